// The reference webhook of the benchmarks: Shipshape's two admission webhooks written with Go's
// standard library only, as a controller-runtime-free Go webhook would be. Same paths, same TLS
// (1.2+), same defaults (webhooks/default-webapp.ts: replicas, port, env, service type and port,
// the app.kubernetes.io labels, as a JSONPatch) and the same checks on CREATE and UPDATE
// (webhooks/check-webapp.ts: the WebApp schema with unknown fields, replicas, port and service
// port limits, the DNS-1035 name, the image reference grammar, env names valid and unique,
// quantities and limits >= requests; warnings for an untagged or :latest image and no requests).
// Not here: per-Namespace overrides (they need a watched Namespace cache) and UPDATE ratcheting;
// the benchmarks send CREATEs of WebApps in namespaces without override annotations.
//
//	go build -o reference-webhook ./bench/reference-webhook
//	reference-webhook -addr 127.0.0.1:9443 -cert tls.crt -key tls.key
package main

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

const bodyLimit = 3 << 20

var (
	dns1035    = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$`)
	labelValue = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$`)
	envName    = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)
	quantity   = regexp.MustCompile(`^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$`)
	imageName  *regexp.Regexp
	imageTag   = regexp.MustCompile(`^\w[\w.-]{0,127}$`)
	digest     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
	registered = map[string]*regexp.Regexp{
		"sha256": regexp.MustCompile(`^[a-f0-9]{64}$`),
		"sha384": regexp.MustCompile(`^[a-f0-9]{96}$`),
		"sha512": regexp.MustCompile(`^[a-f0-9]{128}$`),
	}
	served atomic.Int64
)

func init() {
	alnum := `[a-z0-9]+`
	sep := `(?:[._]|__|-+)`
	component := alnum + `(?:` + sep + alnum + `)*`
	domainComponent := `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domain := domainComponent + `(?:\.` + domainComponent + `)*`
	hostPort := `(?:` + domain + `|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`
	imageName = regexp.MustCompile(`^(?:` + hostPort + `/)?` + component + `(?:/` + component + `)*$`)
}

type obj = map[string]any

type review struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Request    *request `json:"request"`
}

type gvk struct{ Group, Version, Kind string }

type request struct {
	UID       string `json:"uid"`
	Kind      gvk    `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Operation string `json:"operation"`
	Object    obj    `json:"object"`
	OldObject obj    `json:"oldObject"`
	DryRun    bool   `json:"dryRun"`
}

type status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type response struct {
	UID       string   `json:"uid"`
	Allowed   bool     `json:"allowed"`
	Status    *status  `json:"status,omitempty"`
	PatchType string   `json:"patchType,omitempty"`
	Patch     string   `json:"patch,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

func isObj(v any) (obj, bool) { o, ok := v.(obj); return o, ok }

func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// mutate: the JSONPatch that fills what is missing (null counts as missing), nothing else.
func mutate(req *request) response {
	res := response{UID: req.UID, Allowed: true}
	o := req.Object
	if (req.Operation != "CREATE" && req.Operation != "UPDATE") || o == nil {
		return res
	}
	meta, metaOK := isObj(o["metadata"])
	if metaOK && meta["deletionTimestamp"] != nil {
		return res
	}
	var ops []patchOp
	name, _ := meta["name"].(string)
	if name == "" {
		name = req.Name
	}
	labels := map[string]string{}
	if name != "" && labelValue.MatchString(name) {
		labels["app.kubernetes.io/name"] = name
	}
	labels["app.kubernetes.io/managed-by"] = "shipshape"
	if !metaOK && o["metadata"] == nil {
		ops = append(ops, patchOp{"add", "/metadata", obj{"labels": labels}})
	} else if metaOK {
		if existing, ok := isObj(meta["labels"]); ok {
			keys := make([]string, 0, len(labels))
			for k := range labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if existing[k] == nil {
					ops = append(ops, patchOp{"add", "/metadata/labels/" + escape(k), labels[k]})
				}
			}
		} else if meta["labels"] == nil {
			ops = append(ops, patchOp{"add", "/metadata/labels", labels})
		}
	}
	if spec, ok := isObj(o["spec"]); ok {
		fill := func(path string, target obj, key string, value any) {
			if target[key] == nil {
				ops = append(ops, patchOp{"add", path + "/" + key, value})
			}
		}
		fill("/spec", spec, "replicas", 1)
		fill("/spec", spec, "port", 8080)
		fill("/spec", spec, "env", []any{})
		if service, ok := isObj(spec["service"]); ok {
			fill("/spec/service", service, "type", "ClusterIP")
			fill("/spec/service", service, "port", 80)
		} else if spec["service"] == nil {
			ops = append(ops, patchOp{"add", "/spec/service", obj{"type": "ClusterIP", "port": 80}})
		}
	}
	if len(ops) > 0 {
		patch, _ := json.Marshal(ops)
		res.PatchType = "JSONPatch"
		res.Patch = base64.StdEncoding.EncodeToString(patch)
	}
	return res
}

type checker struct {
	violations []string
	warnings   []string
}

func (c *checker) add(path, message string) { c.violations = append(c.violations, path+": "+message) }

func integer(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int64(f), true
}

func (c *checker) strictKeys(path string, o obj, allowed ...string) {
	var unknown []string
	for k := range o {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		c.add(path+"."+k, "unknown field")
	}
}

// intField checks an optional integer with schema bounds; ok when present and valid.
func (c *checker) intField(path string, v any, min, max int64) (int64, bool) {
	if v == nil {
		return 0, false
	}
	n, ok := integer(v)
	if !ok {
		c.add(path, "Invalid input: expected int, received "+typeName(v))
		return 0, false
	}
	if n < min || n > max {
		c.add(path, fmt.Sprintf("Too small or big: expected number in [%d, %d]", min, max))
		return 0, false
	}
	return n, true
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return "object"
}

func rangeMessage(v, min, max int64) string {
	if v < min {
		return fmt.Sprintf("%d is below the minimum of %d", v, min)
	}
	if v > max {
		return fmt.Sprintf("%d exceeds the maximum of %d", v, max)
	}
	return ""
}

var decimalExp = map[string]int{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
var binaryExp = map[string]int{"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

func parseQuantity(v any) (float64, error) {
	if f, ok := v.(float64); ok {
		return f, nil
	}
	s, _ := v.(string)
	m := quantity.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a Kubernetes quantity", s)
	}
	digits, scale := m[2]+m[3], len(m[3])
	if m[4] != "" {
		digits, scale = m[4], len(m[4])
	}
	p10 := decimalExp[m[6]]
	if m[7] != "" {
		p10, _ = strconv.Atoi(m[7])
	}
	f, err := strconv.ParseFloat(fmt.Sprintf("%s%se%d", m[1], digits, p10-scale), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if m[5] != "" {
		f *= math.Pow(2, float64(binaryExp[m[5]]))
	}
	return f, nil
}

func validImage(ref string) (ok bool, tag, dig string) {
	named := ref
	if at := strings.IndexByte(ref, '@'); at >= 0 {
		dig, named = ref[at+1:], ref[:at]
		if !digest.MatchString(dig) {
			return false, "", ""
		}
		colon := strings.IndexByte(dig, ':')
		if re, known := registered[dig[:colon]]; known && !re.MatchString(dig[colon+1:]) {
			return false, "", ""
		}
	}
	name := named
	if colon := strings.LastIndexByte(named, ':'); colon > strings.LastIndexByte(named, '/') {
		name, tag = named[:colon], named[colon+1:]
		if !imageTag.MatchString(tag) {
			return false, "", ""
		}
	}
	return len(name) <= 255 && imageName.MatchString(name), tag, dig
}

func (c *checker) resourceList(path string, v any) obj {
	if v == nil {
		return obj{}
	}
	list, ok := isObj(v)
	if !ok {
		c.add(path, "Invalid input: expected object, received "+typeName(v))
		return nil
	}
	c.strictKeys(path, list, "cpu", "memory")
	return list
}

// check: the WebApp schema, then the limits (defaults: replicas [1, 10], port [1024, 65535],
// service port [1, 65535], no denied ports), in check-webapp.ts's order.
func check(o obj, requestName string) checker {
	var c checker
	for _, k := range []string{"apiVersion", "kind"} {
		if _, ok := o[k].(string); !ok {
			c.add(k, "required")
		}
	}
	meta, _ := isObj(o["metadata"])
	if meta == nil {
		c.add("metadata", "required")
	}
	if labels, ok := isObj(meta["labels"]); ok {
		for k, v := range labels {
			if _, ok := v.(string); !ok {
				c.add("metadata.labels."+k, "Invalid input: expected string")
			}
		}
	}
	spec, ok := isObj(o["spec"])
	if !ok {
		c.add("spec", "required")
		return c
	}
	c.strictKeys("spec", spec, "image", "replicas", "port", "env", "resources", "service")
	image, isString := spec["image"].(string)
	if !isString || image == "" {
		c.add("spec.image", "required")
	}
	replicas, replicasOK := c.intField("spec.replicas", spec["replicas"], 0, math.MaxInt32)
	port, portOK := c.intField("spec.port", spec["port"], 1, 65535)
	var names []string
	if env, ok := spec["env"].([]any); ok {
		for i, e := range env {
			entry, ok := isObj(e)
			path := fmt.Sprintf("spec.env[%d]", i)
			if !ok {
				c.add(path, "Invalid input: expected object")
				continue
			}
			c.strictKeys(path, entry, "name", "value")
			name, ok := entry["name"].(string)
			if !ok || !envName.MatchString(name) {
				c.add(path+".name", "must consist of letters, digits, '_', '-' or '.', and must not start with a digit")
				names = append(names, "")
				continue
			}
			if v, present := entry["value"]; present {
				if _, ok := v.(string); !ok {
					c.add(path+".value", "Invalid input: expected string")
				}
			}
			names = append(names, name)
		}
	} else if spec["env"] != nil {
		c.add("spec.env", "Invalid input: expected array")
	}
	var requests, limits obj
	resourcesSet := spec["resources"] != nil
	if resources, ok := isObj(spec["resources"]); ok {
		c.strictKeys("spec.resources", resources, "requests", "limits")
		requests = c.resourceList("spec.resources.requests", resources["requests"])
		limits = c.resourceList("spec.resources.limits", resources["limits"])
	} else if resourcesSet {
		c.add("spec.resources", "Invalid input: expected object")
	} else {
		requests, limits = obj{}, obj{}
	}
	var servicePort int64
	servicePortOK := false
	if service, ok := isObj(spec["service"]); ok {
		c.strictKeys("spec.service", service, "type", "port")
		if t := service["type"]; t != nil && t != "ClusterIP" && t != "NodePort" && t != "LoadBalancer" {
			c.add("spec.service.type", `Invalid option: expected one of "ClusterIP"|"NodePort"|"LoadBalancer"`)
		}
		servicePort, servicePortOK = c.intField("spec.service.port", service["port"], 1, 65535)
	}

	name, _ := meta["name"].(string)
	if name == "" {
		name = requestName
	}
	if name != "" && !dns1035.MatchString(name) {
		c.add("metadata.name", fmt.Sprintf("%q must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters)", name))
	}
	if isString && image != "" {
		if ok, tag, dig := validImage(image); !ok {
			c.add("spec.image", fmt.Sprintf("%q is not a valid image reference", image))
		} else if dig == "" && tag == "" {
			c.warnings = append(c.warnings, fmt.Sprintf(`spec.image: %q has no tag; pin a version (":latest" is implied)`, image))
		} else if dig == "" && tag == "latest" {
			c.warnings = append(c.warnings, fmt.Sprintf(`spec.image: %q uses the mutable tag "latest"; pin a version`, image))
		}
	}
	if replicasOK {
		if m := rangeMessage(replicas, 1, 10); m != "" {
			c.add("spec.replicas", m)
		}
	}
	if portOK {
		if m := rangeMessage(port, 1024, 65535); m != "" {
			c.add("spec.port", m)
		}
	}
	if servicePortOK {
		if m := rangeMessage(servicePort, 1, 65535); m != "" {
			c.add("spec.service.port", m)
		}
	}
	seen := map[string]int{}
	for i, n := range names {
		if n == "" {
			continue
		}
		if first, dup := seen[n]; dup {
			c.add(fmt.Sprintf("spec.env[%d].name", i), fmt.Sprintf("duplicate name %q (also at spec.env[%d])", n, first))
		} else {
			seen[n] = i
		}
	}
	if requests != nil && limits != nil {
		for _, r := range []string{"cpu", "memory"} {
			var req, lim float64
			var reqOK, limOK bool
			if v := requests[r]; v != nil {
				q, err := parseQuantity(v)
				if err != nil {
					c.add("spec.resources.requests."+r, err.Error())
				}
				req, reqOK = q, err == nil
			}
			if v := limits[r]; v != nil {
				q, err := parseQuantity(v)
				if err != nil {
					c.add("spec.resources.limits."+r, err.Error())
				}
				lim, limOK = q, err == nil
			}
			if reqOK && limOK && lim < req {
				c.add("spec.resources.limits."+r, fmt.Sprintf("%v is below the request of %v", limits[r], requests[r]))
			}
		}
		if requests["cpu"] == nil && requests["memory"] == nil {
			c.warnings = append(c.warnings, "spec.resources.requests: none set; the scheduler cannot place pods well")
		}
	}
	return c
}

func validate(req *request) response {
	res := response{UID: req.UID, Allowed: true}
	if req.Operation != "CREATE" && req.Operation != "UPDATE" {
		return res
	}
	if req.Object == nil {
		return response{UID: req.UID, Status: &status{400, req.Operation + " request for a WebApp carries no object"}}
	}
	if meta, ok := isObj(req.Object["metadata"]); ok && meta["deletionTimestamp"] != nil {
		return res
	}
	c := check(req.Object, req.Name)
	res.Warnings = c.warnings
	if len(c.violations) > 0 {
		name, _ := req.Object["metadata"].(obj)["name"].(string)
		if name == "" {
			name = req.Name
		}
		res.Allowed = false
		res.Status = &status{422, fmt.Sprintf("WebApp %q is invalid: %s", name, strings.Join(c.violations, "; "))}
	}
	return res
}

func handler(policy func(*request) response) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		var res response
		body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
		var rv review
		switch {
		case err != nil || len(body) == 0:
			res = response{Status: &status{400, "the request body is empty"}}
		case len(body) > bodyLimit:
			res = response{Status: &status{413, "the request body is too large"}}
		case json.Unmarshal(body, &rv) != nil:
			res = response{Status: &status{400, "the request body is not JSON"}}
		case rv.APIVersion != "admission.k8s.io/v1" || rv.Kind != "AdmissionReview" || rv.Request == nil ||
			rv.Request.UID == "":
			res = response{Status: &status{400, "expected an AdmissionReview admission.k8s.io/v1 with a request"}}
		case rv.Request.Operation != "CREATE" && rv.Request.Operation != "UPDATE" &&
			rv.Request.Operation != "DELETE" && rv.Request.Operation != "CONNECT":
			res = response{UID: rv.Request.UID, Status: &status{400, "unknown operation"}}
		case rv.Request.Kind.Group != "shipshape.dev" || rv.Request.Kind.Kind != "WebApp":
			res = response{UID: rv.Request.UID, Status: &status{400, "this webhook admits shipshape.dev WebApp"}}
		default:
			res = policy(rv.Request)
		}
		out, _ := json.Marshal(struct {
			APIVersion string   `json:"apiVersion"`
			Kind       string   `json:"kind"`
			Response   response `json:"response"`
		}{"admission.k8s.io/v1", "AdmissionReview", res})
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9443", "listen address")
	cert := flag.String("cert", "tls.crt", "serving certificate (PEM)")
	key := flag.String("key", "tls.key", "serving key (PEM)")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /mutate-webapps", handler(mutate))
	mux.HandleFunc("POST /validate-webapps", handler(validate))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /served", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, served.Load()) })
	server := &http.Server{Addr: *addr, Handler: mux, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	log.Fatal(server.ListenAndServeTLS(*cert, *key))
}
