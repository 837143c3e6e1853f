import Foundation
import HotlineCore
import PostgresNIO

/// `GET /v1/tickets`: filters, newest first, keyset pagination on (received_at, id).
public struct TicketFilter: Sendable, Equatable {
    public var statuses: [String]?
    public var hotlineNumber: String?
    public var channel: String?
    public var nature: String?
    public var categoryCode: String?
    public var regionCode: String?
    public var unitId: Int64?
    /// Tickets whose active assignment (lead or co) is with this unit: the unit inbox.
    public var activeUnitId: Int64?
    /// Tickets whose lead assignment has a running clock past its deadline at `now`.
    public var overdue: Bool = false
    public var now: Date = Date()
    public var receivedFrom: Date?
    public var receivedTo: Date?
    public var text: String?
    public var limit: Int = 50
    public var cursor: TicketCursor?
    public init() {}
}

/// Position after the last item of a page: its received_at (µs since epoch) and id.
public struct TicketCursor: Sendable, Equatable {
    public var receivedAtMicros: Int64
    public var id: Int64

    public init(receivedAtMicros: Int64, id: Int64) {
        self.receivedAtMicros = receivedAtMicros
        self.id = id
    }

    /// Opaque to clients: base64url of "micros.id".
    public var encoded: String {
        Base64URL.encode("\(receivedAtMicros).\(id)")
    }

    public init?(encoded: String) {
        guard encoded.count <= 64 else { return nil }
        guard let s = Base64URL.decode(encoded) else { return nil }
        let parts = s.split(separator: ".")
        guard parts.count == 2, let t = Int64(parts[0]), let i = Int64(parts[1]) else { return nil }
        self.receivedAtMicros = t
        self.id = i
    }
}

extension TicketStore {
    public func list(_ f: TicketFilter, for principal: Principal) async throws -> (items: [Ticket], next: TicketCursor?) {
        let cursorAt: Date? = f.cursor.map { Date(timeIntervalSince1970: Double($0.receivedAtMicros) / 1_000_000) }
        let cursorId = f.cursor?.id
        var scopeUnit: Int64? = principal.role == .handler ? (principal.unitId ?? -1) : nil
        if scopeUnit != nil, let unit = f.activeUnitId {
            // An inbox: a ticket actively with a unit inside the handler's subtree is visible by
            // that very assignment, so the scope test over the subtree's whole history (tens of
            // thousands of assignments at national scale) is not needed — only this one check.
            guard try await ReferenceStore(db: db).unit(unit, isWithin: principal) else { return ([], nil) }
            scopeUnit = nil
        }
        // Which index the list walks, newest first. Tickets by received_at, unless the list is
        // about one unit (its assignments carry their ticket's received_at, migration 0012) or
        // about running lead clocks; then those assignments are walked in the same order and the
        // walk stops after the page. A handler of a unit with no units below it sees exactly the
        // tickets that unit was ever assigned, so its lists are unit lists too.
        enum Driver { case tickets, unit(Int64, activeOnly: Bool), overdueLeads }
        var driver = Driver.tickets
        var unitFilter = f.unitId, activeUnitFilter = f.activeUnitId, overdueFilter = f.overdue
        if let u = f.activeUnitId {
            driver = .unit(u, activeOnly: true); activeUnitFilter = nil
        } else if let u = f.unitId {
            driver = .unit(u, activeOnly: false); unitFilter = nil
        } else if let u = scopeUnit, !(try await ReferenceStore(db: db).hasUnitsBelow(u)) {
            driver = .unit(u, activeOnly: false); scopeUnit = nil
        } else if f.overdue {
            driver = .overdueLeads; overdueFilter = false
        }

        // Only the filters that are set go into the statement: `$n IS NULL OR EXISTS (…)` keeps an
        // EXISTS from becoming a join (the planner pulls sublinks up before it folds constants),
        // which at 10 M tickets turned a unit's 500-ticket inbox into a walk over 255 k tickets.
        var q = StatementBuilder()
        switch driver {
        case .tickets:
            q.trusted("SELECT " + Self.columns + " FROM tickets t WHERE true")
        case .unit(let u, let activeOnly):
            // DISTINCT ON: a ticket sent back to a unit it was returned from has two rows there.
            q.trusted("SELECT DISTINCT ON (d.received_at, d.ticket_id) " + Self.columns)
            q.sql(" FROM assignments d JOIN tickets t ON t.id = d.ticket_id WHERE d.unit_id = "); q.value(u)
            if activeOnly { q.sql(" AND d.status = 'active'") }
        case .overdueLeads:
            q.trusted("SELECT " + Self.columns)
            q.sql(" FROM assignments d JOIN tickets t ON t.id = d.ticket_id WHERE d.role = 'lead' AND d.status = 'active' AND ")
            q.overdue("d", now: f.now)
        }
        // One status as an equality, so (status, received_at, id) can give the order by itself.
        if let v = f.statuses, v.count == 1 { q.sql(" AND t.status = "); q.value(v[0]) }
        else if let v = f.statuses { q.sql(" AND t.status = ANY("); q.value(v); q.sql("::text[])") }
        if let v = f.hotlineNumber { q.sql(" AND t.hotline_number = "); q.value(v) }
        if let v = f.channel { q.sql(" AND t.channel = "); q.value(v) }
        if let v = f.nature { q.sql(" AND t.nature = "); q.value(v) }
        if let v = f.categoryCode { q.sql(" AND t.category_code = "); q.value(v) }
        if let v = f.regionCode { q.sql(" AND t.region_code = "); q.value(v) }
        if let v = f.receivedFrom { q.sql(" AND t.received_at >= "); q.value(v) }
        if let v = f.receivedTo { q.sql(" AND t.received_at < "); q.value(v) }
        if let v = f.text { q.sql(" AND (t.title || ' ' || t.content) ILIKE "); q.value("%" + Self.escapeLike(v) + "%") }
        if let v = unitFilter { q.sql(" AND EXISTS (SELECT 1 FROM assignments a WHERE a.ticket_id = t.id AND a.unit_id = "); q.value(v); q.sql(")") }
        if let v = activeUnitFilter {
            q.sql(" AND EXISTS (SELECT 1 FROM assignments a WHERE a.ticket_id = t.id AND a.status = 'active' AND a.unit_id = "); q.value(v); q.sql(")")
        }
        if overdueFilter {
            q.sql(" AND EXISTS (SELECT 1 FROM assignments a WHERE a.ticket_id = t.id AND a.role = 'lead' AND a.status = 'active' AND ")
            q.overdue("a", now: f.now); q.sql(")")
        }
        if let v = scopeUnit { q.withinUnit("t.id", v) }
        if principal.role == .partner { q.partnersOwn("t.id", principal) }
        switch driver {
        case .tickets:
            if let at = cursorAt, let id = cursorId { q.sql(" AND (t.received_at, t.id) < ("); q.value(at); q.sql(", "); q.value(id); q.sql(")") }
            q.sql(" ORDER BY t.received_at DESC, t.id DESC LIMIT ")
        case .unit, .overdueLeads:
            if let at = cursorAt, let id = cursorId { q.sql(" AND (d.received_at, d.ticket_id) < ("); q.value(at); q.sql(", "); q.value(id); q.sql(")") }
            q.sql(" ORDER BY d.received_at DESC, d.ticket_id DESC LIMIT ")
        }
        q.value(f.limit + 1)
        // The supervisor's and the auditor's lists may lag the leader by a moment: a replica serves them.
        let pool = [.supervisor, .auditor].contains(principal.role) ? db.reader : db.client
        let rows = try await pool.query(q.query, logger: db.logger)
        var items: [Ticket] = []
        for try await row in rows { items.append(try Self.ticket(row)) }
        var next: TicketCursor? = nil
        if items.count > f.limit {
            items.removeLast()
            if let last = items.last, let id = Int64(last.id) {
                next = TicketCursor(receivedAtMicros: Int64((last.receivedAt.timeIntervalSince1970 * 1_000_000).rounded()), id: id)
            }
        }
        return (items, next)
    }

    static func escapeLike(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\\" || ch == "%" || ch == "_" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}

/// One statement from fixed SQL pieces and bound values, through PostgresNIO's own query
/// interpolation: every value is a bind parameter ($1, $2, … numbered as they are added) and the
/// SQL text can only come from string literals in this code.
struct StatementBuilder {
    private var parts = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 16)

    mutating func sql(_ literal: StaticString) { parts.appendLiteral(literal.description) }

    /// For SQL kept in `static let` constants (column lists), never for input.
    mutating func trusted(_ constant: String) { parts.appendLiteral(constant) }

    mutating func value<V: PostgresDynamicTypeEncodable>(_ v: V) { parts.appendInterpolation(v) }

    var query: PostgresQuery { PostgresQuery(stringInterpolation: parts) }

    /// ` AND` the ticket in `ticket` (a column) was ever assigned to `unit` or a unit below it.
    mutating func withinUnit(_ ticket: StaticString, _ unit: Int64) {
        trusted(" AND EXISTS (SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.ticket_id = \(ticket.description) AND u.path @> ARRAY[")
        value(unit); sql("]::bigint[])")
    }

    /// ` AND` the ticket in `ticket` is the partner's: it registered it or was handed it, or (a
    /// unit's office system) it was assigned under that unit.
    mutating func partnersOwn(_ ticket: StaticString, _ p: Principal) {
        trusted(" AND (EXISTS (SELECT 1 FROM ticket_partners tp WHERE tp.ticket_id = \(ticket.description) AND tp.partner_id = ")
        value(p.userId)
        trusted(") OR EXISTS (SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.ticket_id = \(ticket.description) AND u.path @> ARRAY[")
        value(p.partner?.unitId ?? -1); sql("]::bigint[]))")
    }

    /// What overdue means for the assignment `alias`: a clock still running past its deadline.
    mutating func overdue(_ alias: StaticString, now: Date) {
        let a = alias.description
        trusted("((\(a).response_met_at IS NULL AND \(a).response_deadline < "); value(now)
        trusted(") OR (\(a).close_met_at IS NULL AND \(a).close_deadline < "); value(now); sql("))")
    }
}
