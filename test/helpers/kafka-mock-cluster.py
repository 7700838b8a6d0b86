# Starts librdkafka's mock Kafka cluster (Debian's python3-confluent-kafka), prints its bootstrap
# servers on one line, and keeps it up until stdin closes: a real Kafka-protocol broker for tests.
import sys

from confluent_kafka import Producer

brokers = int(sys.argv[1]) if len(sys.argv) > 1 else 1
producer = Producer({"test.mock.num.brokers": brokers, "log_level": 0})
metadata = producer.list_topics(timeout=10)
print(",".join(f"{b.host}:{b.port}" for b in metadata.brokers.values()), flush=True)
sys.stdin.read()
