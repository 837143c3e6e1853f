import Crypto
import Foundation
import HotlineCore
import PostgresNIO

/// Tickets: intake, reads with access scope, lists with keyset pagination, duplicate candidates.
public struct TicketStore: Sendable {
    public let db: Database
    public let zone: ServiceClockZone

    public init(db: Database, zone: ServiceClockZone) {
        self.db = db
        self.zone = zone
    }

    public enum Source: String, Sendable { case api, `import` }

    public struct CreateResult: Sendable {
        public var ticket: Ticket
        /// false when an earlier identical request (same Idempotency-Key or same external id) is replayed
        public var created: Bool
        /// The text's bigram fingerprint as stored (nil on a replay): the duplicate finder's input.
        public var fingerprint: [Int32]? = nil
    }

    static let columns = """
        t.id, t.number, t.query_code, t.hotline_number, t.channel, t.external_id, t.received_at, t.created_at,
        t.caller_name, t.caller_phone, t.caller_address, t.confidential, t.anonymous, t.enterprise, t.nature,
        t.category_code, t.region_code, t.title, t.content, t.sla_policy, t.status, t.parent_id, t.version,
        t.kb_entry_id, t.kb_version, t.outcome::text AS outcome
        """

    static func ticket(_ row: PostgresRow) throws -> Ticket {
        let r = row.makeRandomAccess()
        let name = try r["caller_name"].decode(String?.self)
        let phone = try r["caller_phone"].decode(String?.self)
        let address = try r["caller_address"].decode(String?.self)
        let caller = (name == nil && phone == nil && address == nil) ? nil : Caller(name: name, phone: phone, address: address)
        return Ticket(
            id: String(try r["id"].decode(Int64.self)),
            number: try r["number"].decode(String.self),
            queryCode: try r["query_code"].decode(String.self),
            hotlineNumber: try r["hotline_number"].decode(String.self),
            channel: try r["channel"].decode(String.self),
            externalId: try r["external_id"].decode(String?.self),
            receivedAt: try r["received_at"].decode(Date.self),
            createdAt: try r["created_at"].decode(Date.self),
            caller: caller,
            confidential: try r["confidential"].decode(Bool.self),
            anonymous: try r["anonymous"].decode(Bool.self),
            enterprise: try r["enterprise"].decode(Bool.self),
            nature: try r["nature"].decode(String.self),
            categoryCode: try r["category_code"].decode(String?.self),
            regionCode: try r["region_code"].decode(String?.self),
            title: try r["title"].decode(String.self),
            content: try r["content"].decode(String.self),
            slaPolicy: try r["sla_policy"].decode(String?.self),
            status: try r["status"].decode(String.self),
            parentId: try r["parent_id"].decode(Int64?.self).map(String.init),
            version: Int(try r["version"].decode(Int32.self)),
            kbEntryId: try r["kb_entry_id"].decode(Int64?.self).map(String.init),
            kbVersion: try r["kb_version"].decode(Int32?.self).map(Int.init),
            outcome: try r["outcome"].decode(String?.self).flatMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String]
            })
    }

    static func requestHash(_ intake: TicketIntake) -> Data {
        Data(SHA256.hash(data: Data(intake.canonicalText.utf8)))
    }

    // MARK: intake

    /// Registers a ticket (受理) exactly once. A retry with the same Idempotency-Key, or the same
    /// hotline + external id, and the same content returns the original ticket; the same key with
    /// different content is a conflict.
    ///
    /// One round trip on the way that matters (a new ticket): a prepared statement that takes the
    /// day's number from the sequence, checks the references, and inserts the ticket, its
    /// `registered` event and the idempotency key (IntakeSQL.Register). A replay is found by the
    /// unique key it collides with (the statement then writes nothing) rather than by a lookup
    /// before every insert; a refused or replayed request leaves a gap in the day's numbers, never
    /// a duplicate.
    public func create(_ intake: TicketIntake, actor: Principal?, idempotencyKey: String?, source: Source, now: Date = Date()) async throws -> CreateResult {
        let statement = Self.registration(intake, actor: actor, idempotencyKey: idempotencyKey, source: source, now: now, zone: zone)
        let (day, hash, fingerprint) = (statement.day, statement.hash, statement.fingerprint)
        // A second try only after a number clash (a re-based day, see `rebase`) or a day whose row
        // this process wrongly believed to exist.
        for attempt in 0..<3 {
            if !db.numberDays.contains(day) {
                try await db.client.query(IntakeSQL.openDay(day), logger: db.logger)
                db.numberDays.insert(day)
            }
            do {
                // Read to the end: the pool gets the connection back only when the rows are consumed.
                var created: Ticket? = nil
                for try await ticket in try await db.client.execute(statement, logger: db.logger) { created = ticket }
                db.writes.bump()
                if let created { return CreateResult(ticket: created, created: true, fingerprint: fingerprint) }
            } catch let e where SQLFailure(e)?.isUniqueViolation == true {
                // A retry, or a concurrent identical request that won the race: answer with its ticket.
                if let replay = try await replay(intake, hash: hash, actor: actor, idempotencyKey: idempotencyKey) { return replay }
                if SQLFailure(e)?.constraint == "tickets_number_key", attempt < 2 { continue }
                throw e
            } catch let e where SQLFailure(e)?.isNotNullViolation(column: "number") == true && attempt < 2 {
                // The day's numbers ran past TicketNumber.capacity (a ticket registered long after
                // its day of receipt): re-base the day after its highest number and take another.
                try await rebase(day)
                continue
            } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
                // A reference removed between the check and the insert: reported below.
                db.logger.debug("intake refused by a foreign key", metadata: ["sqlstate": "\(SQLFailure(e)?.sqlState ?? "")"])
            }
            // Nothing was written: a replay of a request whose references have changed since, or a
            // reference that is missing or inactive (every one of them is reported).
            if let replay = try await replay(intake, hash: hash, actor: actor, idempotencyKey: idempotencyKey) { return replay }
            try await checkReferences(intake)
            // The references are fine, so the day's row was missing (a restored database under a
            // running process): open the day again and retry.
            db.numberDays.forget(day)
        }
        throw StoreError.conflict("the hotline, category, region or SLA policy changed during intake; retry")
    }

    /// The statement that registers `intake` (also what `hotline-bench intake-sql` gives pgbench).
    public static func registration(_ intake: TicketIntake, actor: Principal?, idempotencyKey: String?, source: Source, now: Date,
                                    zone: ServiceClockZone) -> IntakeSQL.Register {
        let receivedAt = intake.receivedAt ?? now
        return IntakeSQL.Register(
            day: zone.localDay(of: receivedAt), queryCode: Digits.padded(Int.random(in: 0...999_999), 6), intake: intake,
            hash: Self.requestHash(intake), receivedAt: receivedAt, actor: actor, source: source,
            fingerprint: Self.fingerprint(title: intake.title, content: intake.content, address: intake.caller?.address),
            payload: Self.json(["hotline_number": intake.hotlineNumber, "channel": intake.channel.rawValue, "source": source.rawValue]),
            key: actor == nil ? nil : idempotencyKey, notifyCaller: Notices.callerNoticeAtRegistration(intake, imported: source == .import),
            partnerId: actor?.role == .partner ? actor?.userId : nil)
    }

    /// Moves a day's base so its next number follows the highest one it has, when numbering it
    /// from the sequence would exceed the capacity of the number's format.
    func rebase(_ day: LocalDay) async throws {
        var highest = 0
        for try await n in try await db.client.query("""
            SELECT max(number) FROM tickets WHERE number BETWEEN \(day.compact) AND \(day.compact + "99999999")
            """, logger: db.logger).decode(String?.self) { highest = n.flatMap(TicketNumber.sequence(of:)) ?? 0 }
        db.logger.warning("ticket numbers of a day re-based", metadata: ["day": "\(day.description)", "highest": "\(highest)"])
        try await db.client.query("""
            UPDATE ticket_number_days SET base = (SELECT last_value FROM ticket_number_seq) - \(Int64(highest)) WHERE day = \(day.description)::date
            """, logger: db.logger)
    }

    private func replay(_ intake: TicketIntake, hash: Data, actor: Principal?, idempotencyKey: String?) async throws -> CreateResult? {
        if let key = idempotencyKey, let actor {
            let rows = try await db.client.query("""
                SELECT request_hash, ticket_id FROM idempotency_keys WHERE user_id = \(actor.userId) AND key = \(key)
                """, logger: db.logger)
            for try await (stored, ticketId) in rows.decode((Data, Int64).self) {
                guard stored == hash else {
                    throw StoreError.conflict("Idempotency-Key '\(key.prefix(60))' was already used with a different request body")
                }
                guard let t = try await ticket(id: ticketId) else { return nil }
                return CreateResult(ticket: t, created: false)
            }
        }
        if let ext = intake.externalId {
            let rows = try await db.client.query("""
                SELECT intake_hash, id FROM tickets WHERE hotline_number = \(intake.hotlineNumber) AND external_id = \(ext)
                """, logger: db.logger)
            for try await (stored, ticketId) in rows.decode((Data, Int64).self) {
                guard stored == hash else {
                    throw StoreError.conflict("hotline \(intake.hotlineNumber) already has a ticket with external_id '\(ext.prefix(60))' and different content")
                }
                guard let t = try await ticket(id: ticketId) else { return nil }
                return CreateResult(ticket: t, created: false)
            }
        }
        return nil
    }

    /// Hotline, category, region and SLA policy must exist; every missing one is reported.
    private func checkReferences(_ intake: TicketIntake) async throws {
        let rows = try await db.client.query("""
            SELECT (SELECT active FROM hotlines WHERE number = \(intake.hotlineNumber)),
                   \(intake.categoryCode)::text IS NULL OR EXISTS (SELECT 1 FROM categories WHERE code = \(intake.categoryCode)),
                   \(intake.regionCode)::text IS NULL OR EXISTS (SELECT 1 FROM regions WHERE code = \(intake.regionCode)),
                   \(intake.slaPolicy)::text IS NULL OR EXISTS (SELECT 1 FROM sla_policies WHERE code = \(intake.slaPolicy))
            """, logger: db.logger)
        var errors: [FieldError] = []
        for try await (hotlineActive, category, region, sla) in rows.decode((Bool?, Bool, Bool, Bool).self) {
            switch hotlineActive {
            case nil: errors.append(FieldError("hotline_number", "unknown hotline '\(intake.hotlineNumber)'"))
            case false: errors.append(FieldError("hotline_number", "hotline \(intake.hotlineNumber) is not active"))
            default: break
            }
            if !category { errors.append(FieldError("category_code", "unknown category '\(intake.categoryCode ?? "")'")) }
            if !region { errors.append(FieldError("region_code", "unknown region '\(intake.regionCode ?? "")'")) }
            if !sla { errors.append(FieldError("sla_policy", "unknown SLA policy '\(intake.slaPolicy ?? "")'")) }
        }
        if !errors.isEmpty { throw StoreError.invalid(errors) }
    }

    /// A flat object of strings as JSON text, keys sorted (an event's payload; written by hand,
    /// since JSONSerialization cost 3% of an intake's CPU for three keys).
    static func json(_ dict: [String: String]) -> String {
        var out: [UInt8] = [0x7B]
        for (i, key) in dict.keys.sorted().enumerated() {
            if i > 0 { out.append(0x2C) }
            JSONString.append(key, to: &out)
            out.append(0x3A)
            JSONString.append(dict[key]!, to: &out)
        }
        out.append(0x7D)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: reads

    /// The ticket without scope checks (internal use).
    public func ticket(id: Int64) async throws -> Ticket? {
        let rows = try await db.client.query("SELECT \(unescaped: Self.columns) FROM tickets t WHERE t.id = \(id)", logger: db.logger)
        for try await row in rows { return try Self.ticket(row) }
        return nil
    }

    /// Several tickets by id, without scope checks (the webhook worker shapes them per subscription).
    public func tickets(ids: [Int64]) async throws -> [Ticket] {
        var out: [Ticket] = []
        for try await row in try await db.client.query("SELECT \(unescaped: Self.columns) FROM tickets t WHERE t.id = ANY(\(ids)::bigint[])",
                                                       logger: db.logger) { out.append(try Self.ticket(row)) }
        return out
    }

    /// Whether the principal may see the ticket: hotline-center roles see all; a handler only
    /// tickets assigned (now or before) to its unit or a unit below it.
    public func isVisible(ticketId: Int64, to principal: Principal, on conn: PostgresConnection? = nil) async throws -> Bool {
        let query: PostgresQuery
        switch principal.role {
        case .handler:
            guard let unit = principal.unitId else { return false }
            query = """
                SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id
                WHERE a.ticket_id = \(ticketId) AND u.path @> ARRAY[\(unit)]::bigint[] LIMIT 1
                """
        case .partner:
            // What it registered or received, and (a unit's office system) that unit's tickets.
            query = """
                SELECT 1 FROM ticket_partners WHERE ticket_id = \(ticketId) AND partner_id = \(principal.userId)
                UNION ALL
                SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id
                WHERE a.ticket_id = \(ticketId) AND u.path @> ARRAY[\(principal.partner?.unitId ?? -1)]::bigint[] LIMIT 1
                """
        default: return true
        }
        let rows: PostgresRowSequence
        if let conn { rows = try await conn.query(query, logger: db.logger) } else { rows = try await db.client.query(query, logger: db.logger) }
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    public struct Clock: Sendable, Codable, Equatable {
        public var kind: String
        public var startedAt: Date
        public var deadline: Date
        public var metAt: Date?
        public var breached: Bool
        /// The deadline counts through a year whose holiday notice is not loaded yet.
        public var provisional: Bool
        public var suspendedSince: Date?
    }

    /// A finished round of a reopened assignment, as it was.
    public struct Round: Sendable, Codable, Equatable {
        public var round: Int
        public var responseDeadline: Date?
        public var responseMetAt: Date?
        public var closeDeadline: Date?
        public var closeMetAt: Date?
        public var onTime: Bool?
    }

    public struct Escalation: Sendable, Codable, Equatable {
        public var id: String
        public var assignmentId: String
        public var unitId: String
        public var level: String
        public var clock: String
        public var round: Int
        public var issuedAt: Date
        public var requiredBy: Date?
        public var issuedBy: String?
        public var note: String
    }

    /// A co-unit's opinion (协办意见), shown to the lead unit and the reviewer.
    public struct Opinion: Sendable, Codable, Equatable {
        public var content: String
        public var basis: String
        public var at: Date
    }

    public struct Assignment: Sendable, Codable, Equatable {
        public var id: String
        public var unitId: String
        public var role: String
        public var status: String
        public var round: Int
        public var slaPolicy: String?
        public var dispatchedAt: Date
        public var endedAt: Date?
        public var extensionDays: Int
        public var suspendedDays: Int
        public var clocks: [Clock]
        public var rounds: [Round]
        public var escalations: [Escalation]
        public var opinion: Opinion?
        public var nextEscalation: String?
        public var nextEscalationAt: Date?
    }

    public struct CallbackEntry: Sendable, Codable, Equatable {
        public var id: String
        public var assignmentId: String?
        public var at: Date
        public var reached: Bool
        public var satisfaction: String?
        public var resolved: Bool?
        public var verdict: String?
        public var note: String
    }

    public struct Detail: Sendable {
        public var ticket: Ticket
        public var assignments: [Assignment]
        public var escalations: [Escalation]
        public var callbacks: [CallbackEntry]
        public var events: [TicketEvent]
    }

    /// The ticket with its assignments (clocks, rounds, rungs), escalations, callbacks and events,
    /// or nil when absent or outside the caller's scope. `now` decides whether a running clock is breached.
    public func detail(id: Int64, for principal: Principal, now: Date = Date()) async throws -> Detail? {
        guard let t = try await ticket(id: id), try await isVisible(ticketId: id, to: principal) else { return nil }
        let config = try await db.config.current(db, zone: zone)
        let calc = DeadlineCalculator(calendar: config.calendar, zone: zone)
        let escalations = try await escalations(id)
        let events = try await events(ticketId: id)
        var loaded: [AssignmentState] = []
        for try await row in try await db.client.query("""
            SELECT \(unescaped: AssignmentRows.columns) FROM assignments a WHERE a.ticket_id = \(id) ORDER BY a.id
            """, logger: db.logger) { loaded.append(try AssignmentRows.decode(row, policies: config.policies).1) }
        // Finished rounds exist only once a ticket was reopened.
        let rounds = loaded.contains { $0.round > 1 } ? try await rounds(id) : [:]
        var assignments: [Assignment] = []
        for a in loaded {
            let opinion = events.last { $0.kind == Verb.coReply.rawValue && $0.payload["unit_id"] == String(a.unitId) }
                .map { Opinion(content: $0.payload["content"] ?? "", basis: $0.payload["basis"] ?? "", at: $0.at) }
            assignments.append(Assignment(
                id: String(a.id!), unitId: String(a.unitId), role: a.role.rawValue, status: a.status.rawValue, round: a.round,
                slaPolicy: a.slaPolicy, dispatchedAt: a.dispatchedAt, endedAt: a.endedAt, extensionDays: a.close?.extensionDays ?? 0,
                suspendedDays: a.close?.suspendedDays ?? 0, clocks: Self.clocks(a, calc: calc, now: now), rounds: rounds[a.id!] ?? [],
                escalations: escalations.filter { $0.assignmentId == String(a.id!) }, opinion: opinion,
                nextEscalation: a.next?.level.rawValue, nextEscalationAt: a.next?.at))
        }
        // Callback records exist only once a reply was approved or a direct answer was sampled.
        let called = ["awaiting_callback", "closed", "reopened", "terminated"].contains(t.status) || loaded.contains { $0.callbackStartedAt != nil || $0.round > 1 }
        return Detail(ticket: t, assignments: assignments, escalations: escalations, callbacks: called ? try await callbacks(id) : [], events: events)
    }

    /// An assignment's clocks as the API shows them. A clock stops counting when the assignment
    /// ends (returned, terminated) and stands still while suspended.
    static func clocks(_ a: AssignmentState, calc: DeadlineCalculator, now: Date) -> [Clock] {
        var out: [Clock] = []
        func clock(_ kind: ClockKind, _ start: Date, _ deadline: Date?, _ met: Date?, unit: DurationUnit, suspended: Date? = nil) {
            guard let deadline else { return }
            let stop = met ?? suspended ?? a.endedAt ?? now
            out.append(Clock(kind: kind.rawValue, startedAt: start, deadline: deadline, metAt: met, breached: stop > deadline,
                             provisional: calc.isProvisional(start: start, deadline: deadline, unit: unit), suspendedSince: suspended))
        }
        if let r = a.response { clock(.response, r.start, a.responseDeadline, a.responseMetAt, unit: r.length.unit) }
        if let c = a.close { clock(a.closeKind, c.start, a.closeDeadline, a.closeMetAt, unit: c.length.unit, suspended: a.suspendedSince) }
        if let started = a.callbackStartedAt { clock(.callback, started, a.callbackDeadline, a.callbackMetAt, unit: .workingDays) }
        return out
    }

    func escalations(_ id: Int64) async throws -> [Escalation] {
        var out: [Escalation] = []
        for try await (eid, aid, unit, level, clock, round, at, req, by, note) in try await db.client.query("""
            SELECT id, assignment_id, unit_id, level, clock, round, issued_at, required_by, issued_by, note FROM escalations
            WHERE ticket_id = \(id) ORDER BY issued_at, id
            """, logger: db.logger).decode((Int64, Int64, Int64, String, String, Int32, Date, Date?, Int64?, String).self) {
            out.append(Escalation(id: String(eid), assignmentId: String(aid), unitId: String(unit), level: level, clock: clock,
                                  round: Int(round), issuedAt: at, requiredBy: req, issuedBy: by.map(String.init), note: note))
        }
        return out
    }

    func rounds(_ id: Int64) async throws -> [Int64: [Round]] {
        var out: [Int64: [Round]] = [:]
        for try await (aid, round, rd, rm, cd, cm) in try await db.client.query("""
            SELECT r.assignment_id, r.round, r.response_deadline, r.response_met_at, r.close_deadline, r.close_met_at
            FROM assignment_rounds r JOIN assignments a ON a.id = r.assignment_id WHERE a.ticket_id = \(id) ORDER BY r.assignment_id, r.round
            """, logger: db.logger).decode((Int64, Int32, Date?, Date?, Date?, Date?).self) {
            let onTime: Bool? = cm.flatMap { m in cd.map { m <= $0 } }
            out[aid, default: []].append(Round(round: Int(round), responseDeadline: rd, responseMetAt: rm, closeDeadline: cd, closeMetAt: cm, onTime: onTime))
        }
        return out
    }

    /// Every callback record of the ticket, newest last.
    func callbacks(_ id: Int64) async throws -> [CallbackEntry] {
        var out: [CallbackEntry] = []
        for try await (cid, aid, at, reached, sat, resolved, verdict, note) in try await db.client.query("""
            SELECT id, assignment_id, at, reached, satisfaction, resolved, verdict, note FROM callbacks WHERE ticket_id = \(id) ORDER BY at, id
            """, logger: db.logger).decode((Int64, Int64?, Date, Bool, String?, Bool?, String?, String).self) {
            out.append(CallbackEntry(id: String(cid), assignmentId: aid.map(String.init), at: at, reached: reached, satisfaction: sat,
                                     resolved: resolved, verdict: verdict, note: note))
        }
        return out
    }

    /// Events for the auditor, newest first: one ticket's or all, by actor (login or id), time and kind.
    public func eventSearch(ticketId: Int64?, actor: String?, from: Date?, to: Date?, kind: String?, limit: Int, beforeId: Int64?) async throws -> [TicketEvent] {
        var events: [TicketEvent] = []
        for try await (eid, ticket, at, actorId, role, k, fromStatus, toStatus, payload) in try await db.client.query("""
            SELECT e.id, e.ticket_id, e.at, e.actor_id, e.actor_role, e.kind, e.from_status, e.to_status, e.payload::text
            FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
            WHERE (\(ticketId)::bigint IS NULL OR e.ticket_id = \(ticketId))
              AND (\(actor)::text IS NULL OR u.login = \(actor) OR e.actor_id::text = \(actor))
              AND (\(from)::timestamptz IS NULL OR e.at >= \(from))
              AND (\(to)::timestamptz IS NULL OR e.at < \(to))
              AND (\(kind)::text IS NULL OR e.kind = \(kind))
              AND (\(beforeId)::bigint IS NULL OR e.id < \(beforeId)) AND e.kind <> ALL(\(OutwardKind.outwardOnly))
            ORDER BY e.id DESC LIMIT \(limit)
            """, logger: db.logger).decode((Int64, Int64, Date, Int64?, String?, String, String?, String?, String).self) {
            let dict = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] ?? [:]
            var e = TicketEvent(id: String(eid), at: at, actorId: actorId.map(String.init), actorRole: role, kind: k,
                                fromStatus: fromStatus, toStatus: toStatus, payload: dict.mapValues { "\($0)" })
            e.ticketId = String(ticket)
            events.append(e)
        }
        return events
    }

    /// A ticket's events, oldest first.
    public func events(ticketId id: Int64) async throws -> [TicketEvent] {
        var events: [TicketEvent] = []
        for try await (eid, at, actor, role, kind, from, to, payload) in try await db.client.query("""
            SELECT id, at, actor_id, actor_role, kind, from_status, to_status, payload::text FROM ticket_events
            WHERE ticket_id = \(id) AND kind <> ALL(\(OutwardKind.outwardOnly)) ORDER BY id
            """, logger: db.logger).decode((Int64, Date, Int64?, String?, String, String?, String?, String).self) {
            let dict = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] ?? [:]
            events.append(TicketEvent(id: String(eid), at: at, actorId: actor.map(String.init), actorRole: role, kind: kind,
                                      fromStatus: from, toStatus: to, payload: dict.mapValues { "\($0)" }))
        }
        return events
    }

    public struct PublicProgress: Sendable, Codable, Equatable {
        public var number: String
        public var status: String
        public var receivedAt: Date
        public var hotlineNumber: String
        public var replies: [String]
    }

    public enum Lookup: Sendable {
        case found(PublicProgress)
        case notFound
        case throttled(retryAfter: Int)
    }

    /// The caller's progress lookup, throttled per number: after `limit` wrong codes (or unknown
    /// numbers) within an hour the number answers nothing until the oldest failure is an hour old.
    /// Right and wrong codes do the same work: one count, one read, one conditional insert.
    public func lookup(number: String, code: String, limit: Int = 10) async throws -> Lookup {
        var failures = 0, oldest: Date? = nil
        for try await (n, at) in try await db.client.query("""
            SELECT count(*), min(at) FROM lookup_failures WHERE number = \(number) AND at > now() - interval '1 hour'
            """, logger: db.logger).decode((Int, Date?).self) { failures = n; oldest = at }
        let progress = try await publicProgress(number: number, code: code)
        let wrong = progress == nil
        try await db.client.query("""
            INSERT INTO lookup_failures (number) SELECT \(number) WHERE \(wrong) AND \(failures < limit)
            """, logger: db.logger)
        if failures >= limit {
            let wait = oldest.map { Int(max(1, 3600 - Date().timeIntervalSince($0))) } ?? 3600
            return .throttled(retryAfter: wait)
        }
        return progress.map { .found($0) } ?? .notFound
    }

    /// The caller's progress lookup: only with the right query code, and without personal data.
    public func publicProgress(number: String, code: String) async throws -> PublicProgress? {
        let rows = try await db.client.query("""
            SELECT number, status, received_at, hotline_number, query_code, outcome->>'reply' FROM tickets WHERE number = \(number)
            """, logger: db.logger)
        for try await (n, status, received, hotline, stored, reply) in rows.decode((String, String, Date, String, String, String?).self) {
            guard constantTimeEquals(stored, code) else { return nil }
            // Only a reply the hotline center approved is public.
            return PublicProgress(number: n, status: status, receivedAt: received, hotlineNumber: hotline, replies: reply.map { [$0] } ?? [])
        }
        return nil
    }

    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
