#!/bin/sh
# Run in the services' Maven build stage (*/Dockerfile): the host's certificate authorities, given as the BuildKit
# secret cacerts (a PEM bundle, $1), for a build behind a TLS-inspecting egress. The certificates the JDK does not
# trust already are imported one by one into a copy of the JDK's cacerts, and /opt/leti-ca/env.sh points Java (Maven,
# and the wrapper's Java downloader: JAVA_TOOL_OPTIONS), curl and wget (the wrapper's download of Maven) at them.
# The secret mount is never written to a layer; the copies (public certificates) stay in the build stage, which no
# image is made of. Without the secret, env.sh is empty.
set -eu
mkdir -p /opt/leti-ca
: > /opt/leti-ca/env.sh
[ -s "$1" ] || exit 0
cd /opt/leti-ca
cp "$1" bundle.pem
cp "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/security/cacerts" truststore
keytool -list -rfc -keystore truststore -storepass changeit > known.pem
mkdir new
awk '{ sub(/\r$/, "") } /^-----BEGIN CERTIFICATE-----/ { inside = 1; body = ""; pem = "" } inside { pem = pem $0 "\n"; if (!/^-----/) body = body $0 } /^-----END CERTIFICATE-----/ { inside = 0; if (FILENAME == ARGV[1]) known[body] = 1; else if (!(body in known)) { n++; out = "new/" n ".pem"; printf "%s", pem > out; close(out) } }' known.pem bundle.pem
for cert in new/*.pem; do
  [ ! -e "$cert" ] || keytool -importcert -noprompt -alias "host-ca-${cert#new/}" -file "$cert" \
    -keystore truststore -storepass changeit >/dev/null
done
echo "leti: $(ls new | wc -l) of the host's certificate authorities added to the JDK's"
rm -rf new known.pem
echo 'ca_certificate = /opt/leti-ca/bundle.pem' > wgetrc
printf '%s\n' \
  'export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -Djavax.net.ssl.trustStore=/opt/leti-ca/truststore -Djavax.net.ssl.trustStorePassword=changeit"' \
  'export CURL_CA_BUNDLE=/opt/leti-ca/bundle.pem SSL_CERT_FILE=/opt/leti-ca/bundle.pem WGETRC=/opt/leti-ca/wgetrc' \
  > env.sh
