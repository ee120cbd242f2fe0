# An image FROM scratch as an OCI archive for `ctr images import`, where no registry is reachable:
# the real node's pause image (install-node.sh) and the e2e suite's workload image
# (build-workload-image.sh). Sourced, not run; uses GNU tar, sha256sum and stat.
#
# oci_image_archive DIR CONFIG NAME TAG ARCHIVE ENTRY...
#   Takes DIR, a scratch folder the caller owns and removes, holding rootfs/ (the image's files);
#   CONFIG, the `config` object of the image's config as JSON ({"User":"65532:65532",
#   "Entrypoint":[...]}); NAME, the image's name for containerd (io.containerd.image.name, what
#   `ctr images import` calls it); TAG, its org.opencontainers.image.ref.name; ENTRY..., the paths
#   under DIR/rootfs that make the one layer (each with what is below it).
#   Writes ARCHIVE, a tar of an OCI image layout (oci-layout, index.json, blobs/sha256/): an index
#   of one linux/amd64 manifest, its config and the uncompressed layer. Reproducible: the same
#   files give the same bytes, so the same digests, on every machine (names sorted, mtime 0, owner
#   root). ARCHIVE appears whole or not at all (written as ARCHIVE.partial, then renamed). Its
#   working files (layer.tar, config.json, manifest.json, oci/) are left in DIR.

oci_image_archive() {
  local dir="$1" config="$2" name="$3" tag="$4" archive="$5"
  shift 5
  local oci="$dir/oci" layer_digest
  local tar_flags=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
  mkdir -p "$oci/blobs/sha256"
  tar "${tar_flags[@]}" -C "$dir/rootfs" -cf "$dir/layer.tar" "$@"
  layer_digest="$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)"
  printf '%s' '{"architecture":"amd64","os":"linux","config":'"$config"',' \
    '"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer_digest"'"]}}' >"$dir/config.json"
  {
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":'
    _oci_blob "$oci" "$dir/config.json" application/vnd.oci.image.config.v1+json
    printf '},"layers":['
    _oci_blob "$oci" "$dir/layer.tar" application/vnd.oci.image.layer.v1.tar
    printf '}]}'
  } >"$dir/manifest.json"
  {
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":['
    _oci_blob "$oci" "$dir/manifest.json" application/vnd.oci.image.manifest.v1+json
    printf ',"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
      "$name" "$tag"
  } >"$oci/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
  tar "${tar_flags[@]}" -C "$oci" -cf "$archive.partial" oci-layout index.json blobs
  mv "$archive.partial" "$archive"
}

# OCI_DIR FILE MEDIA-TYPE: FILE stored as a blob in OCI_DIR; prints its descriptor, left open for
# the caller's further fields.
_oci_blob() {
  local digest size
  digest="$(sha256sum "$2" | cut -d' ' -f1)"
  size="$(stat -c %s "$2")"
  cp "$2" "$1/blobs/sha256/$digest"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s' "$3" "$digest" "$size"
}
