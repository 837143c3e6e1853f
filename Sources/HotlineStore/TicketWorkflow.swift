import Foundation
import HotlineCore
import PostgresNIO

/// Applies lifecycle verbs. Each call is one transaction: the ticket row is locked, the version
/// (If-Match) and the state are checked, the change and its event are written together — two
/// people acting on one ticket at once cannot both win.
public struct TicketWorkflow: Sendable {
    public let db: Database
    public let zone: ServiceClockZone
    public let clock: any NowSource

    public init(db: Database, zone: ServiceClockZone, clock: any NowSource) {
        self.db = db
        self.zone = zone
        self.clock = clock
    }

    /// The state conflict answer: current state and what may be done now.
    public struct StateConflict: Error, Sendable {
        public var status: TicketStatus
        public var allowed: [Verb]
        public var detail: String
    }

    public struct Forbidden: Error, Sendable {
        public var detail: String
    }

    struct Locked {
        var id: Int64
        var status: TicketStatus
        var version: Int
        var slaPolicy: String?
        var regionCode: String?
        var categoryCode: String?
        var nature: String
        var hotlineNumber: String
        var resume: TicketStatus?
        var pending: [String: String]
    }

    struct LeadAssignment {
        var id: Int64
        var unitId: Int64
        var slaPolicy: String
        var region: String?
        var dispatchedAt: Date
        var closeDeadline: Date
        var closeUnit: DurationUnit
        var closeMetAt: Date?
        var extensionDays: Int
        var nextLevel: EscalationLevel?
    }

    /// Applies `action` to ticket `id` for `principal`; answers the new version number.
    @discardableResult
    public func apply(_ action: TicketAction, to id: Int64, by principal: Principal, ifMatch: Int?) async throws -> Int {
        let now = clock.now()
        // Only verbs that compute deadlines or read policies pay for loading them.
        let clocked = Self.clockedVerbs.contains(action.verb)
        let calendar = clocked ? try await CalendarStore(db: db).load() : WorkingCalendar()
        let policies = clocked ? Dictionary(uniqueKeysWithValues: try await PolicyStore(db: db).all().map { ($0.code, $0) }) : [:]
        let calc = DeadlineCalculator(calendar: calendar, zone: zone)
        let tickets = TicketStore(db: db, zone: zone)
        return try await db.transaction { conn in
            guard var t = try await lock(conn, id) else { throw StoreError.notFound("ticket \(id)") }
            guard try await tickets.isVisible(ticketId: id, to: principal, on: conn) else { throw StoreError.notFound("ticket \(id)") }
            if let ifMatch, ifMatch != t.version {
                throw StoreError.conflict("stale version: the ticket is at version \(t.version), not \(ifMatch)")
            }
            let verb = action.verb
            guard Lifecycle.allowed(verb, from: t.status),
                  var target = Lifecycle.target(verb, from: t.status, approve: action.approves, resume: t.resume) ?? (verb == .callback ? t.status : nil)
            else {
                throw StateConflict(status: t.status, allowed: Lifecycle.allowedVerbs(from: t.status),
                                    detail: "'\(verb.rawValue)' is not allowed while the ticket is '\(t.status.rawValue)'")
            }
            let lead = try await leadAssignment(conn, id)
            if verb.isUnitAction {
                guard let lead, try await unitCovers(conn, principal: principal, unitId: lead.unitId) else {
                    throw Forbidden(detail: "only the lead unit (or a unit above it) may \(verb.rawValue) this ticket")
                }
            }
            var payload: [String: String] = [:]
            var pending: [String: String]? = nil
            var resume: TicketStatus? = nil
            var outcome: [String: String]? = nil

            switch action {
            case .answer(let kb, let answer):
                outcome = ["answer": answer]
                if let kb, let entryId = Int64(kb) {
                    // Record the exact version answered with; later edits of the entry change nothing here.
                    var found: (Int32, String)? = nil
                    for try await row in try await conn.query("""
                        UPDATE kb_entries e SET answer_count = answer_count + 1 FROM kb_versions v
                        WHERE e.id = \(entryId) AND e.retired_at IS NULL AND v.entry_id = e.id AND v.version = e.current_version
                        RETURNING e.current_version, v.answer
                        """, logger: db.logger).decode((Int32, String).self) { found = row }
                    guard let (version, entryAnswer) = found else {
                        throw StoreError.invalid([FieldError("kb_entry_id", "unknown or retired knowledge-base entry \(entryId)")])
                    }
                    try await conn.query("UPDATE tickets SET kb_entry_id = \(entryId), kb_version = \(version) WHERE id = \(id)", logger: db.logger)
                    outcome = ["answer": answer.isEmpty ? entryAnswer : answer, "kb_entry_id": String(entryId), "kb_version": String(version)]
                }
                // A share of direct answers is sampled for a callback (settings), chosen by ticket id.
                var percent = 10
                for try await p in try await conn.query("SELECT answer_sample_percent FROM assessment_settings WHERE id = 1", logger: db.logger).decode(Int32.self) { percent = Int(p) }
                if Self.sampled(ticket: id, percent: percent) {
                    let due = calc.deadline(from: now, ClockLength(1, .workingDays), region: t.regionCode)
                    try await conn.query("UPDATE tickets SET callback_due_at = \(due) WHERE id = \(id)", logger: db.logger)
                    outcome!["callback_sampled"] = "true"
                }
                payload = outcome!
            case .reject(let reason, let advice):
                outcome = ["reason": reason, "advice": advice]
                payload = outcome!
            case .transfer(let target, let note):
                outcome = ["target": target, "note": note]
                payload = outcome!
            case .merge(let into):
                guard into != id else { throw StoreError.invalid([FieldError("into_ticket_id", "a ticket cannot be merged into itself")]) }
                guard let parent = try await lock(conn, into), try await tickets.isVisible(ticketId: into, to: principal, on: conn) else {
                    throw StoreError.invalid([FieldError("into_ticket_id", "unknown ticket \(into)")])
                }
                guard parent.status.isOpen else {
                    throw StoreError.invalid([FieldError("into_ticket_id", "ticket \(into) is '\(parent.status.rawValue)'; merge only into an open ticket")])
                }
                try await conn.query("UPDATE tickets SET parent_id = \(into) WHERE id = \(id)", logger: db.logger)
                try await event(conn, into, principal, kind: "duplicate_merged", from: parent.status, to: parent.status, at: now, payload: ["ticket_id": String(id)])
                payload = ["into_ticket_id": String(into)]
            case .dispatch(let explicitLead, let co, let sla):
                if principal.role == .agent && explicitLead != nil {
                    throw Forbidden(detail: "agents dispatch by the routing catalogue; choosing units is the dispatcher's")
                }
                let choice = try await chooseRoute(conn, t, explicitLead: explicitLead, co: co, sla: sla)
                guard let policy = policies[choice.policy] else { throw StoreError.invalid([FieldError("sla_policy", "unknown SLA policy '\(choice.policy)'")]) }
                let a = try await assign(conn, ticket: t, lead: choice.lead, co: choice.co, policy: policy, ruleRow: choice.ruleRow,
                                         by: principal, now: now, calc: calc)
                try await conn.query("""
                    UPDATE tickets SET sla_policy = \(policy.code), dispatched_via = \(choice.via), routing_rule_row_id = \(choice.ruleRow)
                    WHERE id = \(id)
                    """, logger: db.logger)
                t.slaPolicy = policy.code
                payload = ["lead_unit_id": String(choice.lead), "co_unit_ids": choice.co.map(String.init).joined(separator: ","),
                           "sla_policy": policy.code, "via": choice.via,
                           "response_deadline": Timestamp.format(a.response, in: zone.timeZone),
                           "close_deadline": Timestamp.format(a.close, in: zone.timeZone)]
                if let r = choice.ruleRow { payload["routing_rule_row_id"] = String(r); payload["routing_rule_version"] = choice.ruleVersion }
                if let e = choice.kbEntry { payload["kb_entry_id"] = String(e) }
            case .accept:
                try await conn.query("UPDATE assignments SET response_met_at = \(now) WHERE id = \(lead!.id)", logger: db.logger)
                payload = ["unit_id": String(lead!.unitId)]
            case .requestReturn(let reason, let basis, let suggested):
                pending = ["kind": "return", "reason": reason, "basis": basis, "unit_id": String(lead!.unitId)]
                if let suggested { pending!["suggested_unit_id"] = String(suggested) }
                resume = t.status
                payload = pending!
            case .decideReturn(let approve, let newLead, let note):
                payload = ["approve": String(approve), "note": note]
                if approve {
                    guard let unit = newLead ?? t.pending["suggested_unit_id"].flatMap({ Int64($0) }) else {
                        throw StoreError.invalid([FieldError("new_lead_unit_id", "is required: the unit gave no suggestion")])
                    }
                    guard unit != lead?.unitId else { throw StoreError.invalid([FieldError("new_lead_unit_id", "must differ from the returning unit")]) }
                    try await conn.query("""
                        UPDATE assignments SET status = CASE WHEN role = 'lead' THEN 'returned' ELSE 'ended' END,
                            ended_at = \(now), next_escalation_level = NULL, next_escalation_at = NULL
                        WHERE ticket_id = \(id) AND status = 'active'
                        """, logger: db.logger)
                    let code = t.slaPolicy ?? "standard"
                    guard let policy = policies[code] else { throw StoreError.invalid([FieldError("sla_policy", "unknown SLA policy '\(code)'")]) }
                    try await checkUnits(conn, [unit], field: "new_lead_unit_id")
                    let a = try await assign(conn, ticket: t, lead: unit, co: [], policy: policy, ruleRow: nil, by: principal, now: now, calc: calc)
                    try await conn.query("UPDATE tickets SET dispatched_via = 'manual', routing_rule_row_id = NULL WHERE id = \(id)", logger: db.logger)
                    payload["new_lead_unit_id"] = String(unit)
                    payload["returned_unit_id"] = t.pending["unit_id"] ?? ""
                    payload["response_deadline"] = Timestamp.format(a.response, in: zone.timeZone)
                    payload["close_deadline"] = Timestamp.format(a.close, in: zone.timeZone)
                }
            case .requestExtension(let days, let reason):
                let policy = policies[lead!.slaPolicy]
                let left = (policy?.maxExtensionDays ?? 10) - lead!.extensionDays
                guard days <= left else {
                    throw StoreError.invalid([FieldError("working_days", "exceeds the policy's extension limit: \(max(0, left)) working day(s) left")])
                }
                pending = ["kind": "extension", "working_days": String(days), "reason": reason]
                resume = t.status
                payload = pending!
            case .decideExtension(let approve, let note):
                payload = ["approve": String(approve), "note": note]
                if approve, let lead, let days = t.pending["working_days"].flatMap({ Int($0) }) {
                    let newDeadline = calc.extend(lead.closeDeadline, workingDays: days, naturalTime: lead.closeUnit != .workingDays, region: lead.region)
                    // Rungs tied to the deadline (reminder, urging) move with it.
                    var nextAt: Date? = nil
                    if let policy = policies[lead.slaPolicy], let level = lead.nextLevel, level <= .urging {
                        nextAt = EscalationSchedule(calculator: calc, policy: policy)
                            .dueAt(level, start: lead.dispatchedAt, deadline: newDeadline, previousIssuedAt: nil, region: lead.region)
                    }
                    try await conn.query("""
                        UPDATE assignments SET close_deadline = \(newDeadline), extension_days = extension_days + \(days),
                            next_escalation_at = COALESCE(\(nextAt), next_escalation_at)
                        WHERE id = \(lead.id)
                        """, logger: db.logger)
                    payload["working_days"] = String(days)
                    payload["close_deadline"] = Timestamp.format(newDeadline, in: zone.timeZone)
                }
            case .reply(let content, let basis, let informed):
                try await conn.query("""
                    UPDATE assignments SET close_met_at = \(now), next_escalation_level = NULL, next_escalation_at = NULL WHERE id = \(lead!.id)
                    """, logger: db.logger)
                payload = ["content": content, "basis": basis, "caller_informed": String(informed), "unit_id": String(lead!.unitId)]
            case .reviewReply(let approve, let note):
                payload = ["approve": String(approve), "note": note]
                guard let l = lead else { break }
                if approve {
                    let policy = policies[l.slaPolicy]
                    let deadline = calc.deadline(from: now, policy?.callback ?? ClockLength(1, .workingDays), region: l.region)
                    try await conn.query("""
                        UPDATE assignments SET callback_started_at = \(now), callback_deadline = \(deadline) WHERE id = \(l.id)
                        """, logger: db.logger)
                    let reply = try await lastReply(conn, id)
                    outcome = ["reply": reply]
                    try await conn.query("UPDATE tickets SET callback_due_at = \(deadline) WHERE id = \(id)", logger: db.logger)
                    payload["callback_deadline"] = Timestamp.format(deadline, in: zone.timeZone)
                } else {
                    // Rework: the close clock runs again against the same deadline; the ladder resumes.
                    let (level, at) = try await resumeLadder(conn, l, policies: policies, calc: calc)
                    try await conn.query("""
                        UPDATE assignments SET close_met_at = NULL, next_escalation_level = \(level?.rawValue), next_escalation_at = \(at)
                        WHERE id = \(l.id)
                        """, logger: db.logger)
                }
            case .escalate(let level, let note):
                guard let l = lead else { throw StoreError.conflict("the ticket has no active assignment to escalate") }
                let policy = policies[l.slaPolicy]
                let schedule = policy.map { EscalationSchedule(calculator: calc, policy: $0) }
                let requiredBy = schedule?.requiredBy(level, issuedAt: now, deadline: l.closeDeadline, region: l.region)
                var inserted = false
                for try await _ in try await conn.query("""
                    INSERT INTO escalations (ticket_id, assignment_id, unit_id, level, issued_at, required_by, issued_by, note)
                    VALUES (\(id), \(l.id), \(l.unitId), \(level.rawValue), \(now), \(requiredBy), \(principal.userId), \(note))
                    ON CONFLICT (assignment_id, level) DO NOTHING RETURNING id
                    """, logger: db.logger).decode(Int64.self) { inserted = true }
                guard inserted else { throw StoreError.conflict("a \(level.rawValue) was already issued for this assignment") }
                if l.closeMetAt == nil, l.nextLevel == nil || level >= l.nextLevel!, let schedule {
                    let next = level.next
                    let at = next.map { schedule.dueAt($0, start: l.dispatchedAt, deadline: l.closeDeadline, previousIssuedAt: now, region: l.region) }
                    try await conn.query("""
                        UPDATE assignments SET next_escalation_level = \(next?.rawValue), next_escalation_at = \(at) WHERE id = \(l.id)
                        """, logger: db.logger)
                }
                payload = ["level": level.rawValue, "note": note, "unit_id": String(l.unitId)]
                if let requiredBy { payload["required_by"] = Timestamp.format(requiredBy, in: zone.timeZone) }
            case .terminate(let reason):
                try await endAssignments(conn, id, at: now)
                try await conn.query("UPDATE tickets SET callback_due_at = NULL, closed_at = \(now) WHERE id = \(id)", logger: db.logger)
                outcome = ["terminated": reason]
                payload = ["reason": reason]
            case .callback(let reached, let satisfaction, let resolved, let verdict, let note):
                if t.status == .answered && verdict == .reopen {
                    throw StoreError.invalid([FieldError("verdict", "a direct answer cannot be reopened; register a new ticket")])
                }
                let policy = policies[lead?.slaPolicy ?? "standard"]
                var attempts = 1
                if !reached {
                    for try await n in try await conn.query("""
                        SELECT count(*) FROM callbacks WHERE ticket_id = \(id) AND NOT reached
                          AND at > COALESCE((SELECT close_met_at FROM assignments WHERE id = \(lead?.id)), '-infinity')
                        """, logger: db.logger).decode(Int.self) { attempts = n + 1 }
                }
                let exhausted = attempts >= (policy?.callbackAttempts ?? 3)
                target = Lifecycle.afterCallback(from: t.status, reached: reached, satisfaction: satisfaction, verdict: verdict, attemptsExhausted: exhausted)
                try await conn.query("""
                    INSERT INTO callbacks (ticket_id, assignment_id, at, by_user, reached, satisfaction, resolved, verdict, note)
                    VALUES (\(id), \(lead?.id), \(now), \(principal.userId), \(reached), \(satisfaction?.rawValue), \(resolved), \(verdict?.rawValue), \(note))
                    """, logger: db.logger)
                payload = ["reached": String(reached), "note": note, "attempt": String(attempts)]
                if let satisfaction { payload["satisfaction"] = satisfaction.rawValue }
                if let resolved { payload["resolved"] = String(resolved) }
                if let verdict { payload["verdict"] = verdict.rawValue }
                if target == .reopened, let l = lead, let policy {
                    // Back to the same unit with a fresh close clock (重办).
                    let close = calc.deadline(from: now, policy.close, region: l.region)
                    let reminder = EscalationSchedule(calculator: calc, policy: policy).dueAt(.reminder, start: now, deadline: close, previousIssuedAt: nil, region: l.region)
                    try await conn.query("""
                        UPDATE assignments SET reopen_count = reopen_count + 1, close_deadline = \(close), close_met_at = NULL,
                            callback_met_at = \(now), next_escalation_level = 'reminder', next_escalation_at = \(reminder)
                        WHERE id = \(l.id)
                        """, logger: db.logger)
                    try await conn.query("UPDATE tickets SET reopen_count = reopen_count + 1, callback_due_at = NULL WHERE id = \(id)", logger: db.logger)
                    payload["close_deadline"] = Timestamp.format(close, in: zone.timeZone)
                } else if target == .closed {
                    let reason = !reached ? "unreachable" : (verdict == .closeUnreasonable ? "unreasonable" : (t.status == .answered ? "direct_answer" : "callback"))
                    if let l = lead {
                        try await conn.query("UPDATE assignments SET callback_met_at = \(now) WHERE id = \(l.id)", logger: db.logger)
                    }
                    try await endAssignments(conn, id, at: now)
                    try await conn.query("UPDATE tickets SET callback_due_at = NULL, closed_reason = \(reason), closed_at = \(now) WHERE id = \(id)", logger: db.logger)
                    payload["closed_reason"] = reason
                }
            }

            let pendingJSON = pending.map { TicketStore.json($0) }
            let outcomeJSON = outcome.map { TicketStore.json($0) }
            var version = 0
            for try await v in try await conn.query("""
                UPDATE tickets SET status = \(target.rawValue), version = version + 1, updated_at = \(now),
                    pending = \(pendingJSON)::jsonb, resume_status = \(resume?.rawValue),
                    outcome = COALESCE(\(outcomeJSON)::jsonb, outcome)
                WHERE id = \(id) RETURNING version
                """, logger: db.logger).decode(Int32.self) { version = Int(v) }
            try await event(conn, id, principal, kind: verb.rawValue, from: t.status, to: target, at: now, payload: payload)
            return version
        }
    }

    // MARK: pieces

    /// Verbs that compute a deadline or read an SLA policy.
    static let clockedVerbs: Set<Verb> = [.answer, .dispatch, .returnDecision, .extensionRequest, .extensionDecision,
                                          .replyReview, .escalate, .callback]

    /// Deterministic sampling of direct answers for callback: a multiplicative hash of the id.
    public static func sampled(ticket id: Int64, percent: Int) -> Bool {
        let h = UInt64(bitPattern: id) &* 0x9E3779B97F4A7C15
        return Int((h >> 32) % 100) < percent
    }

    func endAssignments(_ conn: PostgresConnection, _ ticket: Int64, at now: Date) async throws {
        try await conn.query("""
            UPDATE assignments SET status = 'ended', ended_at = \(now), next_escalation_level = NULL, next_escalation_at = NULL
            WHERE ticket_id = \(ticket) AND status = 'active'
            """, logger: db.logger)
    }

    func lock(_ conn: PostgresConnection, _ id: Int64) async throws -> Locked? {
        let rows = try await conn.query("""
            SELECT status, version, sla_policy, region_code, category_code, nature, hotline_number, resume_status, COALESCE(pending::text, '{}')
            FROM tickets WHERE id = \(id) FOR UPDATE
            """, logger: db.logger)
        for try await (status, version, sla, region, category, nature, hotline, resume, pending) in rows.decode((String, Int32, String?, String?, String?, String, String, String?, String).self) {
            let dict = (try? JSONSerialization.jsonObject(with: Data(pending.utf8))) as? [String: String] ?? [:]
            return Locked(id: id, status: TicketStatus(rawValue: status) ?? .registered, version: Int(version), slaPolicy: sla,
                          regionCode: region, categoryCode: category, nature: nature, hotlineNumber: hotline,
                          resume: resume.flatMap(TicketStatus.init(rawValue:)), pending: dict)
        }
        return nil
    }

    func leadAssignment(_ conn: PostgresConnection, _ ticket: Int64) async throws -> LeadAssignment? {
        let rows = try await conn.query("""
            SELECT id, unit_id, sla_policy, region_code, dispatched_at, close_deadline, close_unit, close_met_at, extension_days, next_escalation_level
            FROM assignments WHERE ticket_id = \(ticket) AND role = 'lead' AND status = 'active'
            """, logger: db.logger)
        for try await (id, unit, sla, region, at, deadline, unitName, met, ext, next) in rows.decode((Int64, Int64, String?, String?, Date, Date?, String?, Date?, Int32, String?).self) {
            return LeadAssignment(id: id, unitId: unit, slaPolicy: sla ?? "standard", region: region, dispatchedAt: at,
                                  closeDeadline: deadline ?? at, closeUnit: unitName.flatMap(DurationUnit.init(rawValue:)) ?? .workingDays,
                                  closeMetAt: met, extensionDays: Int(ext), nextLevel: next.flatMap(EscalationLevel.init(rawValue:)))
        }
        return nil
    }

    func unitCovers(_ conn: PostgresConnection, principal: Principal, unitId: Int64) async throws -> Bool {
        guard let mine = principal.unitId else { return false }
        for try await _ in try await conn.query(ReferenceStore.coverage(of: unitId, by: mine), logger: db.logger).decode(Int.self) {
            return true
        }
        return false
    }

    func checkUnits(_ conn: PostgresConnection, _ ids: [Int64], field: String) async throws {
        var n = 0
        for try await c in try await conn.query("SELECT count(*) FROM units WHERE id = ANY(\(ids)) AND active", logger: db.logger).decode(Int.self) { n = c }
        if n != Set(ids).count { throw StoreError.invalid([FieldError(field, "unknown or inactive unit")]) }
    }

    struct Route {
        var lead: Int64
        var co: [Int64]
        var policy: String
        var via: String
        var ruleRow: Int64?
        var ruleVersion: String
        var kbEntry: Int64? = nil
    }

    /// The responsible unit of the knowledge-base entry that best matches the ticket's text,
    /// when the match is strong enough to be a suggestion (score ≥ 0.5).
    func knowledgeSuggestion(_ conn: PostgresConnection, _ t: Locked) async throws -> (Int64, Int64)? {
        var text = ""
        for try await (title, content) in try await conn.query("SELECT title, content FROM tickets WHERE id = \(t.id)", logger: db.logger).decode((String, String).self) {
            text = title + " " + content
        }
        let hits = try await KnowledgeStore(db: db, zone: zone).search(text, limit: 1, now: clock.now())
        guard let top = hits.first, top.score >= 0.5, let unit = top.entry.responsibleUnitId.flatMap({ Int64($0) }) else { return nil }
        var active = false
        for try await _ in try await conn.query("SELECT 1 FROM units WHERE id = \(unit) AND active", logger: db.logger).decode(Int.self) { active = true }
        return active ? (unit, Int64(top.entry.id) ?? 0) : nil
    }

    /// Explicit units, else the catalogue's most specific rule, else the hotline's default unit,
    /// else the government of the ticket's region (属地兜底), else manual triage (409).
    func chooseRoute(_ conn: PostgresConnection, _ t: Locked, explicitLead: Int64?, co: [Int64], sla: String?) async throws -> Route {
        let fallbackPolicy = sla ?? t.slaPolicy ?? "standard"
        if let explicitLead {
            try await checkUnits(conn, [explicitLead], field: "lead_unit_id")
            if !co.isEmpty { try await checkUnits(conn, co, field: "co_unit_ids") }
            return Route(lead: explicitLead, co: co, policy: fallbackPolicy, via: "manual", ruleRow: nil, ruleVersion: "")
        }
        let categories = try await RoutingStore.chain(conn, table: "categories", code: t.categoryCode, logger: db.logger)
        let regions = try await RoutingStore.chain(conn, table: "regions", code: t.regionCode, logger: db.logger)
        if !categories.isEmpty {
            var rules: [RoutingRule] = []
            for try await row in try await conn.query("""
                SELECT \(unescaped: RoutingStore.columns) FROM routing_rules WHERE active AND category_code = ANY(\(categories))
                """, logger: db.logger) { rules.append(try RoutingStore.rule(row)) }
            let ctx = RoutingChoice.Context(categoryChain: categories, regionChain: regions, nature: t.nature, hotlineNumber: t.hotlineNumber)
            if let rule = RoutingChoice.best(rules, for: ctx), let lead = Int64(rule.leadUnitId) {
                return Route(lead: lead, co: rule.coUnitIds.compactMap { Int64($0) }, policy: sla ?? t.slaPolicy ?? rule.slaPolicy,
                             via: "rule", ruleRow: Int64(rule.id), ruleVersion: String(rule.version))
            }
        }
        if let (unit, entry) = try await knowledgeSuggestion(conn, t) {
            return Route(lead: unit, co: [], policy: fallbackPolicy, via: "kb_entry", ruleRow: nil, ruleVersion: "", kbEntry: entry)
        }
        for try await unit in try await conn.query("""
            SELECT h.default_unit_id FROM hotlines h JOIN units u ON u.id = h.default_unit_id
            WHERE h.number = \(t.hotlineNumber) AND u.active
            """, logger: db.logger).decode(Int64.self) {
            return Route(lead: unit, co: [], policy: fallbackPolicy, via: "hotline_default", ruleRow: nil, ruleVersion: "")
        }
        if !regions.isEmpty {
            for try await unit in try await conn.query("""
                SELECT u.id FROM units u
                WHERE u.active AND u.level IN ('street','district','city') AND u.region_code = ANY(\(regions))
                ORDER BY array_position(\(regions)::text[], u.region_code), u.id LIMIT 1
                """, logger: db.logger).decode(Int64.self) {
                return Route(lead: unit, co: [], policy: fallbackPolicy, via: "region_government", ruleRow: nil, ruleVersion: "")
            }
        }
        throw StoreError.conflict("no routing rule, hotline default unit or regional government matches; dispatch manually with lead_unit_id")
    }

    /// Creates the lead assignment with fresh clocks (and co-unit assignments without clocks).
    func assign(_ conn: PostgresConnection, ticket t: Locked, lead: Int64, co: [Int64], policy: SLAPolicy, ruleRow: Int64?,
                by principal: Principal, now: Date, calc: DeadlineCalculator) async throws -> (response: Date, close: Date) {
        let response = calc.deadline(from: now, policy.response, region: t.regionCode)
        let close = calc.deadline(from: now, policy.close, region: t.regionCode)
        let reminderAt = EscalationSchedule(calculator: calc, policy: policy)
            .dueAt(.reminder, start: now, deadline: close, previousIssuedAt: nil, region: t.regionCode)
        try await conn.query("""
            INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, status, sla_policy, region_code, response_deadline,
                close_unit, close_deadline, next_escalation_level, next_escalation_at, routing_rule_row_id, dispatched_by)
            VALUES (\(t.id), \(lead), 'lead', \(now), 'active', \(policy.code), \(t.regionCode), \(response),
                \(policy.close.unit.rawValue), \(close), 'reminder', \(reminderAt), \(ruleRow), \(principal.userId))
            """, logger: db.logger)
        for unit in co where unit != lead {
            try await conn.query("""
                INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, status, sla_policy, region_code, routing_rule_row_id, dispatched_by)
                VALUES (\(t.id), \(unit), 'co', \(now), 'active', \(policy.code), \(t.regionCode), \(ruleRow), \(principal.userId))
                """, logger: db.logger)
        }
        return (response, close)
    }

    /// After a rejected reply: the first rung not yet issued, and when it falls due.
    func resumeLadder(_ conn: PostgresConnection, _ l: LeadAssignment, policies: [String: SLAPolicy], calc: DeadlineCalculator) async throws -> (EscalationLevel?, Date?) {
        var issued: [EscalationLevel: Date] = [:]
        for try await (level, at) in try await conn.query("SELECT level, issued_at FROM escalations WHERE assignment_id = \(l.id)", logger: db.logger).decode((String, Date).self) {
            if let lv = EscalationLevel(rawValue: level) { issued[lv] = at }
        }
        guard let policy = policies[l.slaPolicy] else { return (nil, nil) }
        let top = issued.keys.max()
        let next = top.map { $0.next } ?? .reminder
        guard let next else { return (nil, nil) }
        let at = EscalationSchedule(calculator: calc, policy: policy)
            .dueAt(next, start: l.dispatchedAt, deadline: l.closeDeadline, previousIssuedAt: top.flatMap { issued[$0] }, region: l.region)
        return (next, at)
    }

    func lastReply(_ conn: PostgresConnection, _ ticket: Int64) async throws -> String {
        for try await text in try await conn.query("""
            SELECT payload->>'content' FROM ticket_events WHERE ticket_id = \(ticket) AND kind = 'reply' ORDER BY id DESC LIMIT 1
            """, logger: db.logger).decode(String?.self) { return text ?? "" }
        return ""
    }

    func event(_ conn: PostgresConnection, _ ticket: Int64, _ p: Principal?, kind: String, from: TicketStatus?, to: TicketStatus?,
               at: Date, payload: [String: String]) async throws {
        try await conn.query("""
            INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, kind, from_status, to_status, payload)
            VALUES (\(ticket), \(at), \(p?.userId), \(p?.role.rawValue), \(kind), \(from?.rawValue), \(to?.rawValue), \(TicketStore.json(payload))::jsonb)
            """, logger: db.logger)
    }
}
