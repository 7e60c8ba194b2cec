#!/bin/bash
# Formats the data volume on first start with every principal's SCRAM credentials (KRaft
# keeps them in its metadata log), writes the admin client settings the healthcheck uses,
# then runs the broker. Passwords come from the environment only.
set -euo pipefail
scram=()
for name in admin ingest aggregate release operator; do
  var="KAFKA_${name^^}_PASSWORD"
  scram+=(--add-scram "SCRAM-SHA-512=[name=${name},password=${!var:?${var} is not set}]")
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --standalone \
  --cluster-id "${CLUSTER_ID}" -c /etc/vaxshare/server.properties "${scram[@]}"
umask 077
cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/secrets/ca.pem
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
PROPS
exec /opt/kafka/bin/kafka-server-start.sh /etc/vaxshare/server.properties
