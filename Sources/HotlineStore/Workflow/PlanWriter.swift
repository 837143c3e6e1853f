import Foundation
import HotlineCore
import PostgresNIO

/// Writes a `TicketPlan` on the transaction's connection: assignments, finished rounds, rungs,
/// the callback, the ticket row (status, version, request, outcome) and every event.
struct PlanWriter {
    let db: Database
    let conn: PostgresConnection
    let zone: ServiceClockZone

    /// Answers the ticket's new version.
    func write(_ plan: TicketPlan, on state: TicketState, by actor: Actor, at now: Date) async throws -> Int {
        var ids: [Int64] = []
        for a in plan.assignments { ids.append(try await AssignmentRows.write(conn, a, ticket: state.id, logger: db.logger)) }
        for r in plan.rounds { try await round(r) }
        for r in plan.rungs {
            let a = plan.assignments[r.index]
            guard try await rung(r.rung, ticket: state.id, assignment: ids[r.index], unit: a.unitId) else {
                throw StoreError.conflict("a \(r.rung.level.rawValue) was already issued on this clock in round \(r.rung.round)")
            }
        }
        if let c = plan.callback {
            try await conn.query("""
                INSERT INTO callbacks (ticket_id, assignment_id, at, by_user, reached, satisfaction, resolved, verdict, note)
                VALUES (\(state.id), \(c.assignmentId), \(now), \(actor.userId), \(c.reached), \(c.satisfaction?.rawValue), \(c.resolved),
                        \(c.verdict?.rawValue), \(c.note))
                """, logger: db.logger)
        }
        if let (entry, version) = plan.answeredWith {
            try await conn.query("UPDATE kb_entries SET answer_count = answer_count + 1 WHERE id = \(entry)", logger: db.logger)
            try await conn.query("UPDATE tickets SET kb_entry_id = \(entry), kb_version = \(version) WHERE id = \(state.id)", logger: db.logger)
        }
        if let entry = plan.teaches {
            try await KnowledgeLearning(db: db).learn(conn, entry: entry, ticket: state.id, user: actor.userId, at: now)
        }
        if let channel = plan.partnersByChannel {
            // The partners of the line it goes to (110's desk) receive it, read it and report its result.
            try await conn.query("""
                INSERT INTO ticket_partners (ticket_id, partner_id, relation)
                SELECT \(state.id), id, 'received' FROM users WHERE role = 'partner' AND active AND \(channel.rawValue) = ANY(partner_channels)
                ON CONFLICT DO NOTHING
                """, logger: db.logger)
        }
        if let external = plan.partnerExternalId, let partner = actor.userId {
            try await conn.query("""
                UPDATE ticket_partners SET external_id = \(external) WHERE ticket_id = \(state.id) AND partner_id = \(partner)
                """, logger: db.logger)
        }
        let version = try await ticket(plan, state.id, at: now)
        for e in plan.events {
            try await event(conn, e.ticketId ?? state.id, actor, kind: e.kind, from: e.from, to: e.to, at: now, payload: e.payload, logger: db.logger)
        }
        return version
    }

    func ticket(_ p: TicketPlan, _ id: Int64, at now: Date) async throws -> Int {
        let pending = p.pending.map { TicketStore.json($0.fields) }
        let outcome = p.outcome.map { TicketStore.json($0) }
        var setDue = false, due: Date? = nil
        if case .set(let d) = p.callbackDue { setDue = true; due = d }
        var setRule = false, rule: Int64? = nil
        if case .set(let r) = p.ruleRow { setRule = true; rule = r }
        let reopened = p.reopened ? 1 : 0
        for try await v in try await conn.query("""
            UPDATE tickets SET status = \(p.status.rawValue), version = version + 1, updated_at = \(now),
                pending = \(pending)::jsonb, resume_status = \(p.resume?.rawValue),
                outcome = COALESCE(\(outcome)::jsonb, outcome),
                sla_policy = COALESCE(\(p.slaPolicy), sla_policy), dispatched_via = COALESCE(\(p.dispatchedVia), dispatched_via),
                routing_rule_row_id = CASE WHEN \(setRule) THEN \(rule) ELSE routing_rule_row_id END,
                parent_id = COALESCE(\(p.parentId), parent_id),
                callback_due_at = CASE WHEN \(setDue) THEN \(due) ELSE callback_due_at END,
                closed_reason = COALESCE(\(p.closed?.reason), closed_reason), closed_at = COALESCE(\(p.closed?.at), closed_at),
                reopen_count = reopen_count + \(reopened), round = round + \(reopened)
            WHERE id = \(id) RETURNING version
            """, logger: db.logger).decode(Int32.self) { return Int(v) }
        throw StoreError.notFound("ticket \(id)")
    }

    func round(_ r: RoundRecord) async throws {
        try await conn.query("""
            INSERT INTO assignment_rounds (assignment_id, round, response_deadline, response_met_at, close_deadline, close_met_at,
                extension_days, suspended_days, ended_at)
            VALUES (\(r.assignmentId), \(r.round), \(r.responseDeadline), \(r.responseMetAt), \(r.closeDeadline), \(r.closeMetAt),
                \(r.extensionDays), \(r.suspendedDays), \(r.endedAt))
            """, logger: db.logger)
    }

    /// Inserts a rung; false when that rung (assignment, round, clock, level) already exists.
    func rung(_ r: Rung, ticket: Int64, assignment: Int64, unit: Int64) async throws -> Bool {
        for try await _ in try await conn.query("""
            INSERT INTO escalations (ticket_id, assignment_id, unit_id, level, issued_at, required_by, issued_by, note, round, clock)
            VALUES (\(ticket), \(assignment), \(unit), \(r.level.rawValue), \(r.issuedAt), \(r.requiredBy), \(r.issuedBy), \(r.note),
                    \(r.round), \(r.clock.rawValue))
            ON CONFLICT (assignment_id, round, clock, level) DO NOTHING RETURNING id
            """, logger: db.logger).decode(Int64.self) { return true }
        return false
    }
}

/// One event row (every state change writes one in its transaction).
func event(_ conn: PostgresConnection, _ ticket: Int64, _ actor: Actor?, kind: String, from: TicketStatus?, to: TicketStatus?,
           at: Date, payload: [String: String], logger: Logger) async throws {
    try await conn.query("""
        INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, kind, from_status, to_status, payload)
        VALUES (\(ticket), \(at), \(actor?.userId), \(actor?.userId == nil ? nil : actor?.role.rawValue), \(kind), \(from?.rawValue),
                \(to?.rawValue), \(TicketStore.json(payload))::jsonb)
        """, logger: logger)
}
