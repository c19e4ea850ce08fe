#!/bin/sh
# The version in debian/changelog's first entry (its upstream part: no
# epoch, no Debian revision) must be the module's THREADS_VERSION
# (src/httpd/module.h). Run by make lint and by the package build.
set -eu
cd "$(dirname "$0")/.."

module=$(sed -n 's/^#define THREADS_VERSION "\(.*\)"$/\1/p' src/httpd/module.h)
package=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)
upstream=${package#*:}
upstream=${upstream%-*}
if [ -z "$module" ] || [ "$module" != "$upstream" ]; then
    echo "check-version: THREADS_VERSION is '$module' (src/httpd/module.h)" \
        "but debian/changelog says '$package': add a changelog entry" \
        "(dch -v $module)" >&2
    exit 1
fi
