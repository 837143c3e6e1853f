import Foundation
import HotlineCore
import PostgresNIO

/// Applies lifecycle verbs: loads what `TicketDecision` needs under the ticket's row lock, asks
/// it for the plan, writes the plan and its events in the same transaction. Two people acting on
/// one ticket at once cannot both win; the rules themselves live in HotlineCore/Workflow.
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

    /// Applies `action` to ticket `id` for `principal` (nil: the system); answers the new version.
    /// `alongside` runs in the same transaction after the plan is written (the workbench's reply
    /// stores its evidence files there: the reply and its files commit together or not at all).
    @discardableResult
    public func apply(_ action: TicketAction, to id: Int64, by principal: Principal?, ifMatch: Int?,
                      alongside: ((PostgresConnection) async throws -> Void)? = nil) async throws -> Int {
        let now = clock.now()
        let config = try await db.config.current(db, zone: zone)
        let calc = DeadlineCalculator(calendar: config.calendar, zone: zone)
        let actor = principal.map { Actor(userId: $0.userId, role: $0.role, unitId: $0.unitId) } ?? .system
        defer {
            // What a direct answer or a taken suggestion taught shows in this process's next search.
            if action.verb == .answer || action.verb == .dispatch { db.knowledgeIndex.invalidate() }
            db.writes.bump()
        }
        return try await db.transaction { conn in
            let loader = WorkflowLoader(db: db, conn: conn, policies: config.policies)
            guard var state = try await loader.ticket(id) else { throw StoreError.notFound("ticket \(id)") }
            if let principal, try await !TicketStore(db: db, zone: zone).isVisible(ticketId: id, to: principal, on: conn) {
                throw StoreError.notFound("ticket \(id)")
            }
            if let ifMatch, ifMatch != state.version {
                throw StoreError.conflict("stale version: the ticket is at version \(state.version), not \(ifMatch)")
            }
            try await loader.assignments(into: &state, actor: actor)
            var ctx = DecisionContext(now: now, calculator: calc, policies: config.policies, settings: config.settings, actor: actor)
            try await loader.context(for: action, state: &state, ctx: &ctx, principal: principal,
                                     suggestion: { try await kbSuggestion(ticket: id, now: now) })
            let plan: TicketPlan
            do throws(Refusal) { plan = try TicketDecision.decide(action, on: state, ctx) } catch { throw Self.storeError(error) }
            let version = try await PlanWriter(db: db, conn: conn, zone: zone).write(plan, on: state, by: actor, at: now)
            try await alongside?(conn)
            return version
        }
    }

    static func storeError(_ r: Refusal) -> any Error {
        switch r {
        case .notAllowed(let status, let allowed, let detail): return StateConflict(status: status, allowed: allowed, detail: detail)
        case .forbidden(let detail): return Forbidden(detail: detail)
        case .invalid(let errors): return StoreError.invalid(errors)
        case .conflict(let detail): return StoreError.conflict(detail)
        }
    }

    /// The responsible unit of the entry that best matches the ticket's text, when the match is
    /// strong (score ≥ 0.5): asked only when no catalogue rule matches.
    func kbSuggestion(ticket id: Int64, now: Date) async throws -> (unit: Int64, entry: Int64)? {
        var text = ""
        for try await (title, content) in try await db.client.query("SELECT title, content FROM tickets WHERE id = \(id)", logger: db.logger)
            .decode((String, String).self) { text = title + " " + content }
        guard !text.isEmpty else { return nil }
        let hits = try await KnowledgeStore(db: db, zone: zone).search(text, limit: 1, now: now)
        guard let top = hits.first, top.score >= 0.5, let unit = top.entry.responsibleUnitId.flatMap({ Int64($0) }),
              let entry = Int64(top.entry.id) else { return nil }
        return (unit, entry)
    }
}
