import Metrics
import NIOConcurrencyHelpers

/// `hotline_tickets_created_total{hotline,source}`: tickets registered, by merged line.
public final class IntakeMetrics: Sendable {
    private let counters = NIOLockedValueBox<[String: Counter]>([:])

    public init() {}

    public func created(hotline: String, source: String, count: Int = 1) {
        let key = hotline + "|" + source
        let counter = counters.withLockedValue { map -> Counter in
            if let c = map[key] { return c }
            let c = Counter(label: "hotline_tickets_created_total", dimensions: [("hotline", hotline), ("source", source)])
            map[key] = c
            return c
        }
        counter.increment(by: count)
    }
}
