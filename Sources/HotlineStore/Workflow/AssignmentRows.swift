import Foundation
import HotlineCore
import PostgresNIO

/// Assignments as rows: one column list, one decoder, one writer, for the workflow, the sweeper
/// and calendar re-derivation.
enum AssignmentRows {
    static let columns = """
        a.id, a.ticket_id, a.unit_id, a.role, a.status, a.round, COALESCE(a.sla_policy, 'standard') AS sla_policy, a.region_code,
        a.dispatched_at, a.ended_at, a.routing_rule_row_id, a.dispatched_by,
        a.response_start, a.response_amount, a.response_unit, a.response_deadline, a.response_met_at,
        a.close_start, a.close_amount, a.close_unit, a.close_deadline, a.close_met_at,
        a.extension_days, a.suspended_days, a.suspended_seconds, a.co_reply_cap, a.suspended_since, a.resume_at,
        a.callback_started_at, a.callback_deadline, a.callback_met_at, a.reopen_count,
        a.next_escalation_clock, a.next_escalation_level, a.next_escalation_at
        """

    /// A row as the core's value. Rows written before clocks were derivable (no start/amount)
    /// take the start from the dispatch and the length from the policy.
    static func decode(_ row: PostgresRow, policies: [String: SLAPolicy]) throws -> (ticket: Int64, AssignmentState) {
        let r = row.makeRandomAccess()
        func d(_ c: String) throws -> Date? { try r[c].decode(Date?.self) }
        let policy = try r["sla_policy"].decode(String.self)
        let role = AssignmentRole(rawValue: try r["role"].decode(String.self)) ?? .lead
        var a = AssignmentState(id: try r["id"].decode(Int64.self), unitId: try r["unit_id"].decode(Int64.self), role: role,
                                status: AssignmentStatus(rawValue: try r["status"].decode(String.self)) ?? .active,
                                round: Int(try r["round"].decode(Int32.self)), slaPolicy: policy,
                                region: try r["region_code"].decode(String?.self), dispatchedAt: try r["dispatched_at"].decode(Date.self))
        a.endedAt = try d("ended_at")
        a.ruleRow = try r["routing_rule_row_id"].decode(Int64?.self)
        a.dispatchedBy = try r["dispatched_by"].decode(Int64?.self)
        let p = policies[policy]
        a.responseDeadline = try d("response_deadline")
        a.responseMetAt = try d("response_met_at")
        if a.responseDeadline != nil {
            let length = try lengthOf(r, "response_amount", "response_unit") ?? p?.response ?? ClockLength(1, .workingDays)
            a.response = ClockSpec(start: try d("response_start") ?? a.dispatchedAt, length: length)
        }
        a.closeDeadline = try d("close_deadline")
        a.closeMetAt = try d("close_met_at")
        if a.closeDeadline != nil {
            let fallback = role == .lead ? p?.close : p?.coReply
            let length = try lengthOf(r, "close_amount", "close_unit") ?? fallback ?? ClockLength(5, .workingDays)
            a.close = ClockSpec(start: try d("close_start") ?? a.dispatchedAt, length: length,
                                extensionDays: Int(try r["extension_days"].decode(Int32.self)),
                                suspendedDays: Int(try r["suspended_days"].decode(Int32.self)),
                                suspendedSeconds: try r["suspended_seconds"].decode(Double.self))
        }
        a.coReplyCapped = try r["co_reply_cap"].decode(Bool.self)
        a.suspendedSince = try d("suspended_since")
        a.resumeAt = try d("resume_at")
        a.callbackStartedAt = try d("callback_started_at")
        a.callbackDeadline = try d("callback_deadline")
        a.callbackMetAt = try d("callback_met_at")
        a.reopenCount = Int(try r["reopen_count"].decode(Int32.self))
        if let level = try r["next_escalation_level"].decode(String?.self).flatMap(EscalationLevel.init(rawValue:)),
           let at = try d("next_escalation_at") {
            let clock = try r["next_escalation_clock"].decode(String?.self).flatMap(ClockKind.init(rawValue:)) ?? a.closeKind
            a.next = NextRung(clock: clock, level: level, at: at)
        }
        return (try r["ticket_id"].decode(Int64.self), a)
    }

    private static func lengthOf(_ r: PostgresRandomAccessRow, _ amount: String, _ unit: String) throws -> ClockLength? {
        guard let n = try r[amount].decode(Int32?.self), let u = try r[unit].decode(String?.self).flatMap(DurationUnit.init(rawValue:)) else { return nil }
        return ClockLength(Int(n), u)
    }

    /// This round's rungs of each assignment.
    static func issued(_ conn: PostgresConnection, _ assignments: [AssignmentState], logger: Logger) async throws -> [Int64: [Rung]] {
        let ids = assignments.compactMap(\.id)
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [Rung]] = [:]
        for try await (aid, round, clock, level, at, req, by, note) in try await conn.query("""
            SELECT assignment_id, round, clock, level, issued_at, required_by, issued_by, note FROM escalations
            WHERE assignment_id = ANY(\(ids)) ORDER BY issued_at, id
            """, logger: logger).decode((Int64, Int32, String, String, Date, Date?, Int64?, String).self) {
            guard let c = ClockKind(rawValue: clock), let l = EscalationLevel(rawValue: level) else { continue }
            out[aid, default: []].append(Rung(clock: c, round: Int(round), level: l, issuedAt: at, requiredBy: req, issuedBy: by, note: note))
        }
        return out
    }

    /// Inserts a new assignment (answers its id) or writes every mutable column of an existing one.
    static func write(_ conn: PostgresConnection, _ a: AssignmentState, ticket: Int64, logger: Logger) async throws -> Int64 {
        let r = a.response, c = a.close
        if let id = a.id {
            try await conn.query("""
                UPDATE assignments SET status = \(a.status.rawValue), round = \(a.round), ended_at = \(a.endedAt),
                    response_start = \(r?.start), response_amount = \(r?.length.amount), response_unit = \(r?.length.unit.rawValue),
                    response_deadline = \(a.responseDeadline), response_met_at = \(a.responseMetAt),
                    close_start = \(c?.start), close_amount = \(c?.length.amount), close_unit = \(c?.length.unit.rawValue),
                    close_deadline = \(a.closeDeadline), close_met_at = \(a.closeMetAt),
                    extension_days = \(c?.extensionDays ?? 0), suspended_days = \(c?.suspendedDays ?? 0),
                    suspended_seconds = \(c?.suspendedSeconds ?? 0), co_reply_cap = \(a.coReplyCapped),
                    suspended_since = \(a.suspendedSince), resume_at = \(a.resumeAt),
                    callback_started_at = \(a.callbackStartedAt), callback_deadline = \(a.callbackDeadline), callback_met_at = \(a.callbackMetAt),
                    reopen_count = \(a.reopenCount), next_escalation_clock = \(a.next?.clock.rawValue),
                    next_escalation_level = \(a.next?.level.rawValue), next_escalation_at = \(a.next?.at)
                WHERE id = \(id)
                """, logger: logger)
            return id
        }
        for try await id in try await conn.query("""
            INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, status, round, sla_policy, region_code,
                response_start, response_amount, response_unit, response_deadline,
                close_start, close_amount, close_unit, close_deadline, co_reply_cap,
                next_escalation_clock, next_escalation_level, next_escalation_at, routing_rule_row_id, dispatched_by)
            VALUES (\(ticket), \(a.unitId), \(a.role.rawValue), \(a.dispatchedAt), \(a.status.rawValue), \(a.round), \(a.slaPolicy), \(a.region),
                \(r?.start), \(r?.length.amount), \(r?.length.unit.rawValue), \(a.responseDeadline),
                \(c?.start), \(c?.length.amount), \(c?.length.unit.rawValue), \(a.closeDeadline), \(a.coReplyCapped),
                \(a.next?.clock.rawValue), \(a.next?.level.rawValue), \(a.next?.at), \(a.ruleRow), \(a.dispatchedBy))
            RETURNING id
            """, logger: logger).decode(Int64.self) { return id }
        throw StoreError.conflict("assignment was not written")
    }
}
