#!/bin/sh
# The secrets docker-compose needs, made once: a CA and the broker's certificate (signed for
# the host name `kafka`) in ./secrets, and a random password per Kafka principal and Redis
# user appended to ./.env. Run from the repository root; never commit either.
set -eu
umask 077
mkdir -p secrets
if [ ! -f secrets/kafka.pem ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out secrets/ca.key
  openssl req -x509 -new -key secrets/ca.key -sha256 -days 825 -subj "/CN=vaxshare CA" -out secrets/ca.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out secrets/kafka.key
  openssl req -new -key secrets/kafka.key -subj "/CN=vaxshare-broker" -out secrets/kafka.csr
  printf 'subjectAltName=DNS:kafka,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > secrets/kafka.ext
  openssl x509 -req -in secrets/kafka.csr -CA secrets/ca.pem -CAkey secrets/ca.key -CAcreateserial \
    -days 825 -sha256 -extfile secrets/kafka.ext -out secrets/kafka.crt
  cat secrets/kafka.key secrets/kafka.crt secrets/ca.pem > secrets/kafka.pem
  rm -f secrets/kafka.csr secrets/kafka.ext secrets/kafka.crt secrets/ca.srl
  chmod 644 secrets/ca.pem secrets/kafka.pem  # read by the containers' own users
fi
touch .env
for name in KAFKA_ADMIN KAFKA_INGEST KAFKA_AGGREGATE KAFKA_RELEASE KAFKA_OPERATOR \
            REDIS_INGEST REDIS_AGGREGATE REDIS_RELEASE REDIS_API REDIS_OPERATOR REDIS_EXPORTER \
            REDIS_CLUSTER_ADMIN; do
  grep -q "^${name}_PASSWORD=" .env || echo "${name}_PASSWORD=$(openssl rand -hex 24)" >> .env
done
echo "secrets/ and .env are ready"
