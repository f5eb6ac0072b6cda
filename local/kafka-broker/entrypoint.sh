#!/bin/sh
# Starts the single-node KRaft broker of leti/kafka-broker: writes its config to /tmp (the root is read-only),
# formats the data volume once, then runs the broker in the foreground (SIGTERM stops it cleanly).
set -eu
DATA=/var/lib/kafka/data
CONFIG=/tmp/server.properties
cat > "$CONFIG" <<PROPERTIES
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://${KAFKA_LISTEN_HOST}:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST}:${KAFKA_PORT}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:${KAFKA_CONTROLLER_PORT}
log.dirs=${DATA}/logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=12
PROPERTIES
if [ ! -f "$DATA/logs/meta.properties" ]; then
  cluster=$(java -cp '/opt/kafka/lib/*' kafka.tools.StorageTool random-uuid 2>/dev/null)
  java -cp '/opt/kafka/lib/*' kafka.tools.StorageTool format -t "$cluster" -c "$CONFIG" --standalone >/dev/null
fi
exec java "-Xmx${KAFKA_HEAP}" -cp '/opt/kafka/lib/*' kafka.Kafka "$CONFIG"
