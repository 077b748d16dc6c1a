import Foundation
import Prometheus

/// The service's Prometheus metrics (`GET /metrics`): requests by route and status, authentication
/// failures by reason, switches by outcome, and the duration of switches. Labels come from fixed
/// sets (route patterns, status codes, reason and outcome words), never from what a caller sent.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let durations: DurationHistogram

    init() {
        durations = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "ledger", metricName: "switch_duration", unitName: "seconds",
                helpText: "Time of a switch through the service, from the request to its document."),
            labels: [],
            buckets: [
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
            ])
    }

    /// Counts a finished request (`route`: the matched route pattern, or `unmatched`).
    func request(route: String, status: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "ledger", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route pattern and status."),
            labels: [("route", route), ("status", String(status))]
        ).increment()
    }

    /// Counts a refused authentication or authorisation (`reason`: a fixed word).
    func authFailure(reason: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "ledger", metricName: "auth_failures", unitName: "total",
                helpText: "Requests refused with 401 or 403, by reason."),
            labels: [("reason", reason)]
        ).increment()
    }

    /// Counts a switch by outcome (`switched`, `rejected`, `failed`, `preflight_refused`, `refused`, `error`, …) and records its time.
    func switchFinished(outcome: String, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "ledger", metricName: "switches", unitName: "total", helpText: "Switches through the service, by outcome."),
            labels: [("outcome", outcome)]
        ).increment()
        durations.record(duration)
    }

    /// The Prometheus text.
    func text() -> String { registry.emitToString() }
}
