//! Every scaler type KEDA 2.x accepts in `triggers[].type`.
//!
//! Taken from the `buildScaler` switch in KEDA's `pkg/scaling/scalers_builder.go` (main, 2026),
//! plus `splunk-observability` and `temporal` from the 2.18+ scaler docs. The test-only
//! `external-mock` is left out. A type in this list that swell does not run is a warning
//! (`unsupported-trigger`); a type outside it is an error, as in KEDA ("no scaler found").

/// Every scaler type KEDA 2.x knows, sorted.
pub const KEDA_TRIGGER_TYPES: &[&str] = &[
    "activemq",
    "apache-kafka",
    "arangodb",
    "artemis-queue",
    "aws-cloudwatch",
    "aws-dynamodb",
    "aws-dynamodb-streams",
    "aws-kinesis-stream",
    "aws-sqs-queue",
    "azure-app-insights",
    "azure-blob",
    "azure-data-explorer",
    "azure-eventhub",
    "azure-log-analytics",
    "azure-monitor",
    "azure-pipelines",
    "azure-queue",
    "azure-servicebus",
    "beanstalkd",
    "cassandra",
    "couchdb",
    "cpu",
    "cron",
    "datadog",
    "dynatrace",
    "elasticsearch",
    "etcd",
    "external",
    "external-push",
    "forgejo-runner",
    "gcp-cloudtasks",
    "gcp-pubsub",
    "gcp-stackdriver",
    "gcp-storage",
    "github-runner",
    "graphite",
    "huawei-cloudeye",
    "ibmmq",
    "influxdb",
    "kafka",
    "kubernetes-workload",
    "liiklus",
    "loki",
    "memory",
    "metrics-api",
    "mongodb",
    "mssql",
    "mysql",
    "nats-jetstream",
    "new-relic",
    "nsq",
    "openstack-metric",
    "openstack-swift",
    "postgresql",
    "predictkube",
    "prometheus",
    "pulsar",
    "rabbitmq",
    "redis",
    "redis-cluster",
    "redis-cluster-streams",
    "redis-sentinel",
    "redis-sentinel-streams",
    "redis-streams",
    "selenium-grid",
    "solace-event-queue",
    "solr",
    "splunk",
    "splunk-observability",
    "stan",
    "temporal",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_has_no_duplicates() {
        assert!(KEDA_TRIGGER_TYPES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn swell_extension_is_not_a_keda_type() {
        assert!(!KEDA_TRIGGER_TYPES.contains(&super::super::VLLM_TRIGGER_TYPE));
    }
}
