// The text of `shipshape --help` and of each command's --help.
import { ENFORCEMENT_ANNOTATION } from '../../webhooks/enforcement.ts';
import { OVERRIDE_ANNOTATIONS } from '../../webhooks/limits.ts';
import { MYSQL_MAX_REPLICAS_ANNOTATION, MYSQL_MAX_STORAGE_ANNOTATION } from '../../webhooks/mysql-policy-config.ts';

export const MAIN_HELP = `Usage: shipshape <command> [flags]

Checks WebApps and MySQLClusters against Shipshape's admission webhooks before they reach a
cluster, and prints Shipshape's manifests.

Commands:
  review      Default and validate WebApps and MySQLClusters as the webhooks would
  crd         Print the CustomResourceDefinitions (WebApp's; --kind for MySQLCluster's or both)
  manifests   Print the webhook configurations (deploy/)

Run "shipshape <command> --help" for a command's flags and examples.

Exit codes: 0 every WebApp and MySQLCluster allowed, 1 any denied, 2 bad input or usage.

Examples:
  npx shipshape review -f k8s/
  npx shipshape crd --kind all | kubectl apply -f -
`;

export const REVIEW_HELP = `Usage: shipshape review -f FILE|DIR|- [flags]
       shipshape review --cluster [--config FILE] [-n NS | -A] [--kubeconfig FILE]
       shipshape review --audit-log FILE... [--config FILE] [-n NS]

Runs each WebApp in the given manifests through Shipshape's mutating webhook, applies its patch,
then runs the validating webhook on the result: what the apiserver does for a CREATE (or, with
--old, an UPDATE). Prints per WebApp ALLOWED or DENIED with every reason, the warnings, and what
defaulting changed. WebApps of both versions are reviewed: a shipshape.dev/v2 one as the cluster
admits it (converted to v1 for the webhooks, judged and reported at v2, with v2's paths).
MySQLClusters (shipshape.dev/v1alpha1) go through their own webhooks the same way, here and with
--cluster and --audit-log. Other documents are reported as SKIPPED.

Input:
  -f, --filename FILE|DIR|-   YAML or JSON manifests, multi-document; a folder's .yaml, .yml and
                              .json files; - for stdin. Repeatable.
  -R, --recursive             With a folder, descend into sub-folders too
      --old FILE|DIR|-        The objects as stored: one here of the same kind, namespace and name
                              makes the review an UPDATE. Repeatable.
  -n, --namespace NS          Namespace of objects that name none (default: default)

Offline (default): the policies run in this process.
      --config FILE           The server's settings, as YAML or JSON: keys are its environment
                              variables or flag names (SHIPSHAPE_MAX_REPLICAS: 20, or
                              max-replicas: 20), or a ConfigMap with them under data. Default: the
                              server's defaults. The environment of this shell is not read.
      --namespace-annotations k=v,...
                              Annotations of the target namespace that override limits,
                              and its enforcement mode (warn or enforce):
                              ${[...Object.keys(OVERRIDE_ANNOTATIONS), MYSQL_MAX_REPLICAS_ANNOTATION, MYSQL_MAX_STORAGE_ANNOTATION, ENFORCEMENT_ANNOTATION].join(',\n                              ')}
                              (the shipshape.dev/ prefix may be left out). Repeatable.

Against a running Shipshape (a check of a deployed webhook):
      --server URL            POST AdmissionReviews (dryRun: true) to URL/mutate-webapps, then
                              URL/validate-webapps (MySQLClusters: URL/mutate-mysqlclusters, then
                              URL/validate-mysqlclusters). The server applies its own settings and its
                              view of the namespace's annotations.
      --ca FILE               PEM CA bundle that signed the server's certificate
      --tls-server-name NAME  The name to check the certificate against instead of the URL's host,
                              e.g. shipshape-webhook.shipshape-system.svc through a port-forward

Before changing a limit (judged under enforcement, whatever the enforcement setting says):
      --cluster               Review the WebApps and MySQLClusters stored in the cluster of the
                              kubeconfig, each as an UPDATE of itself, with its Namespace's
                              override annotations. One is DENIED when the settings find a
                              violation in it (ratcheting still admits an update that keeps the
                              stored values). Grouped by namespace, with a summary per kind.
  -A, --all-namespaces        With --cluster: every namespace (default: the context's namespace,
                              or -n NS)
      --kubeconfig FILE       With --cluster: the kubeconfig (default: KUBECONFIG, else
                              ~/.kube/config)
      --audit-log FILE        Replay the creates, updates and patches of WebApps and MySQLClusters
                              that an apiserver audit log (JSON lines, level Request or
                              RequestResponse) recorded; report per kind what these settings would
                              have denied beside what was denied then. -n NS keeps one namespace.
                              Repeatable.

Output:
  -o, --output FORMAT         diff (default): a unified diff of each object before and after
                              defaulting; patch: the JSON Patch; yaml or json: a machine-readable
                              report with every result and its defaulted object
  -h, --help                  Print this help

Exit codes: 0 every WebApp and MySQLCluster allowed, 1 any denied, 2 bad input (bad YAML is
reported with its file, line and column), a bad flag or configuration, or a server that could not
be asked.

Examples:
  shipshape review -f examples/webapp.yaml
  shipshape review -f k8s/ -R --config shipshape.yaml -o patch
  kustomize build overlays/prod | shipshape review -f - -n prod
  shipshape review -f app.yaml --namespace-annotations max-replicas=20,denied-ports=9090,9443
  shipshape review -f app.yaml --old <(kubectl get webapp shop -o yaml)
  shipshape review -f app.yaml -o json | jq '.results[] | select(.result == "DENIED")'
  shipshape review -f app.yaml --server https://127.0.0.1:9443 --ca certs/dev/ca.crt
  kubectl -n shipshape-system port-forward svc/shipshape-webhook 9443 &
  shipshape review -f app.yaml --server https://127.0.0.1:9443 --ca ca.crt \\
    --tls-server-name shipshape-webhook.shipshape-system.svc
  shipshape review --cluster -A --config new-limits.yaml
  shipshape review --audit-log /var/log/kubernetes/audit.log --config new-limits.yaml -o json
`;

export const CRD_HELP = `Usage: shipshape crd [--kind webapp|mysqlcluster|all]

Prints a CustomResourceDefinition rendered from its kind's schema, byte for byte what crds/ holds:
the WebApp CRD (crds/webapps.shipshape.dev.yaml) by default, the MySQLCluster CRD
(crds/mysqlclusters.shipshape.dev.yaml) with --kind mysqlcluster, or both as one multi-document
YAML, WebApp's first, with --kind all. Shipshape reconciles both kinds by default
(--controllers), so an install needs both.

Flags:
      --kind KIND   webapp (default), mysqlcluster or all
  -h, --help        Print this help

Examples:
  shipshape crd > crds/webapps.shipshape.dev.yaml
  shipshape crd --kind mysqlcluster > crds/mysqlclusters.shipshape.dev.yaml
  shipshape crd --kind all | kubectl apply -f -
`;

export const MANIFESTS_HELP = `Usage: shipshape manifests

Prints the deploy manifests (deploy/webhook-configurations.yaml): the mutating and validating
webhook configurations, pointing at the shipshape-webhook Service in shipshape-system with a
cert-manager injected CA.

Examples:
  shipshape manifests > deploy/webhook-configurations.yaml
  shipshape manifests | kubectl apply -f -
`;
