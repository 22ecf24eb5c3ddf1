//! What `GET /metrics` says, in the Prometheus text format (`OpenMetrics`).
//!
//! | metric | labels | meaning |
//! |---|---|---|
//! | `roster_hr_events_received` | `source` | deliveries to `POST /hooks/{source}` |
//! | `roster_hr_events_accepted` | `source` | new events stored |
//! | `roster_hr_events_rejected` | `source`, `reason` | deliveries refused (nothing stored) |
//! | `roster_hr_events_processed` | `action`, `outcome` | events finished (`done`, `dead`; a failed attempt that will be retried is not finished) |
//! | `roster_hr_queue_depth` | | events stored and not finished |
//! | `roster_hr_processing_seconds` | | from acceptance to the end of processing |
//! | `roster_drift_objects` | `org` | objects drifted at the last drift check |
//! | `roster_api_requests` | `org` | Genesys requests made by the server's workflows |
//! | `roster_api_throttled` | `org` | 429 answers from Genesys since the server started |
//! | `roster_last_reconcile_timestamp_seconds` | `org` | the last successful drift check |
//! | `roster_notices_sent` | `channel` | notices a channel accepted |
//! | `roster_notices_failed` | `channel` | sends that failed and will be tried again |
//! | `roster_notices_dead_lettered` | `channel` | notices given up on (`roster notify retry` sends them again) |
//! | `roster_notices_undeliverable` | `channel` | notices whose recipient has no usable address |
//! | `roster_notify_breaker_open` | `channel` | 1 while the channel's breaker was open at the end of the last run |
//! | `roster_notices_acknowledged` | | acknowledgements recorded through `/ack/{token}` |

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use roster_notify::dispatch::ChannelSummary;

type Labels = Vec<(&'static str, String)>;

/// The server's metrics; cheap to clone (they share their values).
#[derive(Debug, Clone)]
pub struct Metrics {
    received: Family<Labels, Counter>,
    accepted: Family<Labels, Counter>,
    rejected: Family<Labels, Counter>,
    processed: Family<Labels, Counter>,
    depth: Gauge,
    latency: Histogram,
    drift_objects: Family<Labels, Gauge>,
    api_requests: Family<Labels, Counter>,
    throttled: Family<Labels, Gauge>,
    last_reconcile: Family<Labels, Gauge>,
    notices: Notices,
    registry: std::sync::Arc<Registry>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let received = Family::<Labels, Counter>::default();
        let accepted = Family::<Labels, Counter>::default();
        let rejected = Family::<Labels, Counter>::default();
        let processed = Family::<Labels, Counter>::default();
        let depth = Gauge::default();
        let latency = Histogram::new(exponential_buckets(0.05, 2.0, 14));
        let drift_objects = Family::<Labels, Gauge>::default();
        let api_requests = Family::<Labels, Counter>::default();
        let throttled = Family::<Labels, Gauge>::default();
        let last_reconcile = Family::<Labels, Gauge>::default();
        registry.register(
            "roster_hr_events_received",
            "Deliveries to POST /hooks/{source}",
            received.clone(),
        );
        registry.register(
            "roster_hr_events_accepted",
            "New HR events stored",
            accepted.clone(),
        );
        registry.register(
            "roster_hr_events_rejected",
            "Deliveries refused, by reason; nothing stored",
            rejected.clone(),
        );
        registry.register(
            "roster_hr_events_processed",
            "HR events finished, by action and outcome",
            processed.clone(),
        );
        registry.register(
            "roster_hr_queue_depth",
            "HR events stored and not finished",
            depth.clone(),
        );
        registry.register(
            "roster_hr_processing_seconds",
            "Seconds from accepting an HR event to the end of its processing",
            latency.clone(),
        );
        registry.register(
            "roster_drift_objects",
            "Objects drifted at the last drift check",
            drift_objects.clone(),
        );
        registry.register(
            "roster_api_requests",
            "Genesys Cloud requests made by the server's workflows",
            api_requests.clone(),
        );
        registry.register(
            "roster_api_throttled",
            "429 answers from Genesys Cloud since the server started",
            throttled.clone(),
        );
        registry.register(
            "roster_last_reconcile_timestamp_seconds",
            "Unix time of the last successful drift check",
            last_reconcile.clone(),
        );
        let notices = Notices::register(&mut registry);
        Metrics {
            received,
            accepted,
            rejected,
            processed,
            depth,
            latency,
            drift_objects,
            api_requests,
            throttled,
            last_reconcile,
            notices,
            registry: std::sync::Arc::new(registry),
        }
    }
}

impl Metrics {
    /// A delivery to a hook.
    pub fn received(&self, source: &str) {
        self.received
            .get_or_create(&vec![("source", source.to_owned())])
            .inc();
    }

    /// A new event stored.
    pub fn accepted(&self, source: &str) {
        self.accepted
            .get_or_create(&vec![("source", source.to_owned())])
            .inc();
    }

    /// A delivery refused.
    pub fn rejected(&self, source: &str, reason: &str) {
        self.rejected
            .get_or_create(&vec![
                ("source", source.to_owned()),
                ("reason", reason.to_owned()),
            ])
            .inc();
    }

    /// An event finished, `seconds` after it was accepted.
    pub fn processed(&self, action: &str, outcome: &str, seconds: f64) {
        self.processed
            .get_or_create(&vec![
                ("action", action.to_owned()),
                ("outcome", outcome.to_owned()),
            ])
            .inc();
        self.latency.observe(seconds);
    }

    /// The events stored and not finished.
    pub fn depth(&self, depth: u64) {
        self.depth.set(i64::try_from(depth).unwrap_or(i64::MAX));
    }

    /// A drift check of `org` found `objects` drifted, having made `requests` requests.
    pub fn reconciled(&self, org: &str, objects: usize, requests: u64, at_unix: i64) {
        let labels = vec![("org", org.to_owned())];
        self.drift_objects
            .get_or_create(&labels)
            .set(i64::try_from(objects).unwrap_or(i64::MAX));
        self.last_reconcile.get_or_create(&labels).set(at_unix);
        self.requests(org, requests);
    }

    /// Requests a workflow made in `org`.
    pub fn requests(&self, org: &str, requests: u64) {
        self.api_requests
            .get_or_create(&vec![("org", org.to_owned())])
            .inc_by(requests);
    }

    /// What a notify run did on `channel`.
    pub fn notices(&self, channel: &str, summary: &ChannelSummary) {
        let labels = vec![("channel", channel.to_owned())];
        let notices = &self.notices;
        notices.sent.get_or_create(&labels).inc_by(summary.sent);
        notices.failed.get_or_create(&labels).inc_by(summary.failed);
        notices
            .dead_lettered
            .get_or_create(&labels)
            .inc_by(summary.dead_lettered);
        notices
            .undeliverable
            .get_or_create(&labels)
            .inc_by(summary.undeliverable);
        notices
            .breaker_open
            .get_or_create(&labels)
            .set(i64::from(summary.breaker_open));
    }

    /// An acknowledgement recorded.
    pub fn acknowledged(&self) {
        self.notices.acknowledged.inc();
    }

    /// Everything, in the text format; the 429 counts are read from the client now.
    pub fn render(&self) -> String {
        for (org, count) in roster_genesys::throttled::by_org() {
            self.throttled
                .get_or_create(&vec![("org", org)])
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

/// The metrics of notices: what the dispatch runs did and the acknowledgements.
#[derive(Debug, Clone, Default)]
struct Notices {
    sent: Family<Labels, Counter>,
    failed: Family<Labels, Counter>,
    dead_lettered: Family<Labels, Counter>,
    undeliverable: Family<Labels, Counter>,
    breaker_open: Family<Labels, Gauge>,
    acknowledged: Counter,
}

impl Notices {
    fn register(registry: &mut Registry) -> Notices {
        let notices = Notices::default();
        registry.register(
            "roster_notices_sent",
            "Notices a channel accepted",
            notices.sent.clone(),
        );
        registry.register(
            "roster_notices_failed",
            "Notice sends that failed and will be tried again",
            notices.failed.clone(),
        );
        registry.register(
            "roster_notices_dead_lettered",
            "Notices given up on",
            notices.dead_lettered.clone(),
        );
        registry.register(
            "roster_notices_undeliverable",
            "Notices whose recipient has no usable address",
            notices.undeliverable.clone(),
        );
        registry.register(
            "roster_notify_breaker_open",
            "1 while the channel's breaker was open at the end of the last notify run",
            notices.breaker_open.clone(),
        );
        registry.register(
            "roster_notices_acknowledged",
            "Acknowledgements recorded through /ack/{token}",
            notices.acknowledged.clone(),
        );
        notices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_as_text_with_their_labels() {
        let metrics = Metrics::default();
        metrics.received("workday");
        metrics.rejected("workday", "bad_signature");
        metrics.processed("terminate", "done", 0.3);
        metrics.depth(2);
        metrics.reconciled("prod-us", 3, 120, 1_700_000_000);
        metrics.notices(
            "email",
            &ChannelSummary {
                sent: 4,
                failed: 2,
                dead_lettered: 1,
                breaker_open: true,
                ..ChannelSummary::default()
            },
        );
        metrics.acknowledged();
        let text = metrics.render();
        for line in [
            "roster_hr_events_received_total{source=\"workday\"} 1",
            "roster_hr_events_rejected_total{source=\"workday\",reason=\"bad_signature\"} 1",
            "roster_hr_events_processed_total{action=\"terminate\",outcome=\"done\"} 1",
            "roster_hr_queue_depth 2",
            "roster_drift_objects{org=\"prod-us\"} 3",
            "roster_api_requests_total{org=\"prod-us\"} 120",
            "roster_hr_processing_seconds_count 1",
            "roster_notices_sent_total{channel=\"email\"} 4",
            "roster_notices_failed_total{channel=\"email\"} 2",
            "roster_notices_dead_lettered_total{channel=\"email\"} 1",
            "roster_notices_undeliverable_total{channel=\"email\"} 0",
            "roster_notify_breaker_open{channel=\"email\"} 1",
            "roster_notices_acknowledged_total 1",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
