import Foundation
import HotlineCore
import PostgresNIO

/// Reads what a decision needs, on the transaction's connection, after the ticket row is locked.
struct WorkflowLoader {
    let db: Database
    let conn: PostgresConnection
    let policies: [String: SLAPolicy]

    func ticket(_ id: Int64) async throws -> TicketState? {
        let rows = try await conn.query("""
            SELECT status, version, sla_policy, region_code, category_code, nature, hotline_number, resume_status,
                   COALESCE(pending::text, '{}'), round
            FROM tickets WHERE id = \(id) FOR UPDATE
            """, logger: db.logger)
        for try await (status, version, sla, region, category, nature, hotline, resume, pending, round)
            in rows.decode((String, Int32, String?, String?, String?, String, String, String?, String, Int32).self) {
            let fields = (try? JSONSerialization.jsonObject(with: Data(pending.utf8))) as? [String: Any] ?? [:]
            return TicketState(id: id, status: TicketStatus(rawValue: status) ?? .registered, version: Int(version), slaPolicy: sla,
                               region: region, categoryCode: category, nature: Nature(rawValue: nature) ?? .other, hotlineNumber: hotline,
                               resume: resume.flatMap(TicketStatus.init(rawValue:)),
                               pending: PendingRequest(fields: fields.mapValues { "\($0)" }), round: Int(round),
                               assignments: [], unreachedAttempts: 0, lastReply: "")
        }
        return nil
    }

    /// Active assignments (lead first), this round's rungs, and which ones the acting handler's unit covers.
    func assignments(into state: inout TicketState, actor: Actor) async throws {
        var out: [AssignmentState] = []
        for try await row in try await conn.query("""
            SELECT \(unescaped: AssignmentRows.columns) FROM assignments a
            WHERE a.ticket_id = \(state.id) AND a.status = 'active' ORDER BY a.role = 'lead' DESC, a.id
            """, logger: db.logger) {
            out.append(try AssignmentRows.decode(row, policies: policies).1)
        }
        let issued = try await AssignmentRows.issued(conn, out, logger: db.logger)
        var covered = Set<Int64>()
        if actor.role == .handler, let unit = actor.unitId {
            for try await id in try await conn.query("""
                SELECT a.id FROM assignments a JOIN units u ON u.id = a.unit_id
                WHERE a.ticket_id = \(state.id) AND a.status = 'active' AND u.path @> ARRAY[\(unit)]::bigint[]
                """, logger: db.logger).decode(Int64.self) { covered.insert(id) }
        }
        for i in out.indices {
            out[i].issued = (issued[out[i].id!] ?? []).filter { $0.round == out[i].round }
            out[i].coveredByActor = covered.contains(out[i].id!)
        }
        state.assignments = out
    }

    /// What this verb looks up besides the ticket: the entry it answers with, routing candidates,
    /// the units it names, the merge target, callback attempts, the reply under review.
    func context(for action: TicketAction, state: inout TicketState, ctx: inout DecisionContext, principal: Principal?,
                 suggestion: () async throws -> (unit: Int64, entry: Int64)?) async throws {
        switch action {
        case .answer(let kb, _):
            if let id = kb.flatMap({ Int64($0) }) { ctx.entry = try await entry(id) }
        case .dispatch(let lead, let co, _, let taken):
            if let taken { ctx.entry = try await entry(taken) }
            if let lead { ctx.activeUnits = try await activeUnits([lead] + co) }
            else { ctx.route = try await candidates(state, suggestion: suggestion) }
        case .decideReturn(true, let newLead, _):
            var ids: [Int64] = newLead.map { [$0] } ?? []
            if case .return(_, _, _, let s?)? = state.pending { ids.append(s) }
            ctx.activeUnits = try await activeUnits(ids)
        case .merge(let into):
            guard into != state.id, let parent = try await ticket(into) else { break }
            if let principal, try await !TicketStore(db: db, zone: ctx.calculator.zone)
                .isVisible(ticketId: into, to: principal, on: conn) { break }
            ctx.mergeTarget = parent.status
        case .callback:
            state.unreachedAttempts = try await unreached(state)
        case .linkedResult:
            guard let principal else { break }
            for try await _ in try await conn.query("""
                SELECT 1 FROM ticket_partners WHERE ticket_id = \(state.id) AND partner_id = \(principal.userId) AND relation = 'received'
                """, logger: db.logger).decode(Int.self) { ctx.partnerReceived = true }
        case .reviewReply:
            for try await text in try await conn.query("""
                SELECT payload->>'content' FROM ticket_events WHERE ticket_id = \(state.id) AND kind = 'reply' ORDER BY id DESC LIMIT 1
                """, logger: db.logger).decode(String?.self) { state.lastReply = text ?? "" }
        default:
            break
        }
    }

    func entry(_ id: Int64) async throws -> AnswerEntry? {
        for try await (eid, version, answer, retired, from, to) in try await conn.query("""
            SELECT e.id, e.current_version, v.answer, e.retired_at IS NOT NULL, v.valid_from::text, v.valid_to::text
            FROM kb_entries e JOIN kb_versions v ON v.entry_id = e.id AND v.version = e.current_version
            WHERE e.id = \(id) FOR UPDATE OF e
            """, logger: db.logger).decode((Int64, Int32, String, Bool, String?, String?).self) {
            return AnswerEntry(id: eid, version: Int(version), answer: answer, retired: retired,
                               validFrom: from.flatMap(LocalDay.init(iso:)), validTo: to.flatMap(LocalDay.init(iso:)))
        }
        return nil
    }

    func activeUnits(_ ids: [Int64]) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        var out = Set<Int64>()
        for try await id in try await conn.query("SELECT id FROM units WHERE id = ANY(\(ids)) AND active", logger: db.logger).decode(Int64.self) {
            out.insert(id)
        }
        return out
    }

    func unreached(_ state: TicketState) async throws -> Int {
        let since = state.lead?.closeMetAt ?? Date.distantPast
        for try await n in try await conn.query("""
            SELECT count(*) FROM callbacks WHERE ticket_id = \(state.id) AND NOT reached AND at > \(since)
            """, logger: db.logger).decode(Int.self) { return n }
        return 0
    }

    /// The catalogue's most specific rule, the KB suggestion, the hotline's default unit, the region's government.
    func candidates(_ t: TicketState, suggestion: () async throws -> (unit: Int64, entry: Int64)?) async throws -> RouteCandidates {
        var c = RouteCandidates()
        let categories = try await RoutingStore.chain(conn, table: "categories", code: t.categoryCode, logger: db.logger)
        let regions = try await RoutingStore.chain(conn, table: "regions", code: t.region, logger: db.logger)
        if !categories.isEmpty {
            var rules: [RoutingRule] = []
            for try await row in try await conn.query("""
                SELECT \(unescaped: RoutingStore.columns) FROM routing_rules WHERE active AND category_code = ANY(\(categories))
                """, logger: db.logger) { rules.append(try RoutingStore.rule(row)) }
            let rc = RoutingChoice.Context(categoryChain: categories, regionChain: regions, nature: t.nature.rawValue, hotlineNumber: t.hotlineNumber)
            if let rule = RoutingChoice.best(rules, for: rc), let lead = Int64(rule.leadUnitId), let row = Int64(rule.id) {
                c.rule = .init(row: row, version: rule.version, lead: lead, co: rule.coUnitIds.compactMap { Int64($0) }, policy: rule.slaPolicy)
            }
        }
        // The knowledge base is searched only when the catalogue has no rule (a suggestion, or with
        // kb_routing the route): a rule-dispatched ticket pays nothing for it.
        if c.rule == nil, let s = try await suggestion(), try await activeUnits([s.unit]).contains(s.unit) { c.kbSuggestion = s }
        for try await unit in try await conn.query("""
            SELECT h.default_unit_id FROM hotlines h JOIN units u ON u.id = h.default_unit_id WHERE h.number = \(t.hotlineNumber) AND u.active
            """, logger: db.logger).decode(Int64.self) { c.hotlineDefault = unit }
        if !regions.isEmpty {
            for try await unit in try await conn.query("""
                SELECT u.id FROM units u WHERE u.active AND u.level IN ('street','district','city') AND u.region_code = ANY(\(regions))
                ORDER BY array_position(\(regions)::text[], u.region_code), u.id LIMIT 1
                """, logger: db.logger).decode(Int64.self) { c.regionGovernment = unit }
        }
        return c
    }
}
