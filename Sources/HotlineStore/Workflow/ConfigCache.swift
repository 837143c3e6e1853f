import Foundation
import HotlineCore
import PostgresNIO

/// The calendar, the SLA policies and the assessment settings, loaded once per process and kept
/// current by a stamp that triggers bump on every change to their tables (migration 0013): a verb
/// reads them from memory; at most once a second one query asks whether the stamp moved. Edits
/// made through this process invalidate at once; other instances follow within a second.
public final class ConfigCache: @unchecked Sendable {
    public struct Snapshot: Sendable {
        public var calendar: WorkingCalendar
        public var policies: [String: SLAPolicy]
        public var settings: AssessmentSettings
        public var published: [Int: Bool]
        var stamp: Int64
    }

    let interval: Double
    private let lock = NSLock()
    private var snapshot: Snapshot?
    private var checkedAt: Double = 0

    public init(interval: Double = 1) {
        self.interval = interval
    }

    public func current(_ db: Database, zone: ServiceClockZone) async throws -> Snapshot {
        let t = Date().timeIntervalSince1970
        let cached: Snapshot? = lock.withLock { snapshot.flatMap { t - checkedAt < interval ? $0 : nil } }
        if let cached { return cached }
        var stamp: Int64 = 0
        for try await s in try await db.client.query("SELECT stamp FROM config_stamp WHERE id = 1", logger: db.logger).decode(Int64.self) { stamp = s }
        if let s = lock.withLock({ snapshot }), s.stamp == stamp {
            lock.withLock { checkedAt = t }
            return s
        }
        let fresh = try await load(db, zone: zone, stamp: stamp)
        lock.withLock { snapshot = fresh; checkedAt = t }
        return fresh
    }

    /// Forget the snapshot (this process changed the calendar, a policy or the settings).
    public func invalidate() { lock.withLock { snapshot = nil } }

    func load(_ db: Database, zone: ServiceClockZone, stamp: Int64) async throws -> Snapshot {
        let years = try await CalendarStore(db: db).years()
        let calendar = try await CalendarStore(db: db).load(published: years, around: zone.localDay(of: Date()).year)
        let policies = Dictionary(uniqueKeysWithValues: try await PolicyStore(db: db).all().map { ($0.code, $0) })
        let settings = try await ReportStore(db: db, zone: zone).settings()
        return Snapshot(calendar: calendar, policies: policies, settings: settings, published: years, stamp: stamp)
    }
}
