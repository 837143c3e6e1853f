import Foundation
import HotlineCore
import PostgresNIO

/// SLA policies: the clock lengths as data.
public struct PolicyStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    static let columns = """
        code, name, response_amount, response_unit, close_amount, close_unit, callback_amount, callback_unit,
        max_extension_days, supervision_after_days, referral_after_days, callback_attempts, version
        """

    static func policy(_ row: PostgresRow) throws -> SLAPolicy {
        let (code, name, ra, ru, ca, cu, ba, bu, maxExt, sup, ref, attempts, version) =
            try row.decode((String, String, Int32, String, Int32, String, Int32, String, Int32, Int32, Int32, Int32, Int32).self)
        func length(_ a: Int32, _ u: String) -> ClockLength { ClockLength(Int(a), DurationUnit(rawValue: u) ?? .workingDays) }
        return SLAPolicy(code: code, name: name, response: length(ra, ru), close: length(ca, cu), callback: length(ba, bu),
                         maxExtensionDays: Int(maxExt), supervisionAfterDays: Int(sup), referralAfterDays: Int(ref),
                         callbackAttempts: Int(attempts), version: Int(version))
    }

    public func all() async throws -> [SLAPolicy] {
        var out: [SLAPolicy] = []
        for try await row in try await db.client.query("SELECT \(unescaped: Self.columns) FROM sla_policies ORDER BY code", logger: db.logger) {
            out.append(try Self.policy(row))
        }
        return out
    }

    public func get(_ code: String) async throws -> SLAPolicy? {
        for try await row in try await db.client.query("SELECT \(unescaped: Self.columns) FROM sla_policies WHERE code = \(code)", logger: db.logger) {
            return try Self.policy(row)
        }
        return nil
    }

    /// Creates or replaces a policy; the version counts edits. Running clocks keep the deadlines
    /// they were given; new assignments use the new lengths.
    public func put(_ p: SLAPolicy) async throws -> SLAPolicy {
        let rows = try await db.client.query("""
            INSERT INTO sla_policies AS s (code, name, response_amount, response_unit, close_amount, close_unit,
                callback_amount, callback_unit, max_extension_days, supervision_after_days, referral_after_days, callback_attempts)
            VALUES (\(p.code), \(p.name), \(p.response.amount), \(p.response.unit.rawValue), \(p.close.amount), \(p.close.unit.rawValue),
                \(p.callback.amount), \(p.callback.unit.rawValue), \(p.maxExtensionDays), \(p.supervisionAfterDays),
                \(p.referralAfterDays), \(p.callbackAttempts))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
                response_amount = EXCLUDED.response_amount, response_unit = EXCLUDED.response_unit,
                close_amount = EXCLUDED.close_amount, close_unit = EXCLUDED.close_unit,
                callback_amount = EXCLUDED.callback_amount, callback_unit = EXCLUDED.callback_unit,
                max_extension_days = EXCLUDED.max_extension_days, supervision_after_days = EXCLUDED.supervision_after_days,
                referral_after_days = EXCLUDED.referral_after_days, callback_attempts = EXCLUDED.callback_attempts,
                version = s.version + 1, updated_at = now()
            RETURNING \(unescaped: Self.columns)
            """, logger: db.logger)
        for try await row in rows { return try Self.policy(row) }
        throw StoreError.conflict("policy \(p.code) was not saved")
    }
}
