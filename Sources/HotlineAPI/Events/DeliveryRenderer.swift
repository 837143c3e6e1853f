import Foundation
import HotlineCore
import HotlineStore
import PostgresNIO

/// What one batch of deliveries says: the ticket as each subscription may see it, the event's
/// data, notice texts from the templates, and for `ticket.closed` the reply the caller was given
/// (so 110 and the province platform get the result back).
struct DeliveryRenderer: Sendable {
    let s: Services
    let tickets: [Int64: Ticket]
    let templates: [String: String]
    let unitNames: [Int64: String]
    let replies: [Int64: String]
    let deadlines: [String: (Date?, Date?)]   // "ticket/unit" → (response, close)

    static func load(_ s: Services, for claimed: [OutboxStore.Claimed]) async throws -> DeliveryRenderer {
        let ids = Array(Set(claimed.map(\.ticketId)))
        var tickets: [Int64: Ticket] = [:]
        for t in try await s.tickets.tickets(ids: ids) { if let id = Int64(t.id) { tickets[id] = t } }
        let notices = claimed.filter { $0.kind == OutwardKind.noticeUnit || $0.kind == OutwardKind.noticeCaller }
        let closing = Array(Set(claimed.filter { $0.kind == OutwardKind.closedMarker }.map(\.ticketId)))
        let db = s.db
        var templates: [String: String] = [:], names: [Int64: String] = [:], replies: [Int64: String] = [:]
        var deadlines: [String: (Date?, Date?)] = [:]
        if !notices.isEmpty {
            for try await (k, t) in try await db.client.query("SELECT key, template FROM notice_templates", logger: db.logger)
                .decode((String, String).self) { templates[k] = t }
            let units = Array(Set(notices.compactMap { $0.payload["unit_id"].flatMap { Int64($0) } }))
            for try await (id, name) in try await db.client.query("SELECT id, name FROM units WHERE id = ANY(\(units)::bigint[])", logger: db.logger)
                .decode((Int64, String).self) { names[id] = name }
            for try await (t, u, r, c) in try await db.client.query("""
                SELECT DISTINCT ON (ticket_id, unit_id) ticket_id, unit_id, response_deadline, close_deadline FROM assignments
                WHERE ticket_id = ANY(\(ids)::bigint[]) AND unit_id = ANY(\(units)::bigint[]) ORDER BY ticket_id, unit_id, id DESC
                """, logger: db.logger).decode((Int64, Int64, Date?, Date?).self) { deadlines["\(t)/\(u)"] = (r, c) }
        }
        if !closing.isEmpty {
            for try await (t, text) in try await db.client.query("""
                SELECT DISTINCT ON (ticket_id) ticket_id, coalesce(payload->>'content', payload->>'answer', payload->>'note', '')
                FROM ticket_events WHERE ticket_id = ANY(\(closing)::bigint[]) AND kind IN ('reply', 'answer', 'linked-result', 'reject')
                ORDER BY ticket_id, id DESC
                """, logger: db.logger).decode((Int64, String).self) { replies[t] = text }
        }
        return DeliveryRenderer(s: s, tickets: tickets, templates: templates, unitNames: names, replies: replies, deadlines: deadlines)
    }

    /// The ticket as the subscription may see it: whole for a hotline-center subscription allowed
    /// personal data; otherwise the caller masked as a unit sees it and no query code.
    func shaped(_ t: Ticket, _ c: OutboxStore.Claimed) -> Ticket {
        c.personalData ? t : t.asUnitSeesIt
    }

    /// `12月3日17:30` in the service's zone (notice texts).
    func local(_ d: Date?) -> String {
        guard let d else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = s.zone.timeZone
        let c = calendar.dateComponents([.month, .day, .hour, .minute], from: d)
        return String(format: "%d月%d日%02d:%02d", c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// The body, or nil when there is nothing to send (a caller's notice for a ticket without a phone).
    func body(for c: OutboxStore.Claimed) async throws -> Data? {
        guard let ticket = tickets[c.ticketId] else { return nil }
        let kind = OutwardKind.of(stored: c.kind, to: c.toStatus)
        var data = c.payload
        data.removeValue(forKey: "template")
        if let from = c.fromStatus { data["from_status"] = from }
        if let to = c.toStatus { data["to_status"] = to }
        if c.kind == OutwardKind.closedMarker { data["reply"] = replies[c.ticketId] ?? "" }
        if c.kind == OutwardKind.noticeUnit || c.kind == OutwardKind.noticeCaller {
            var fields = ["number": ticket.number, "title": String(ticket.title.prefix(30))]
            if let u = c.payload["unit_id"].flatMap({ Int64($0) }) {
                fields["unit"] = unitNames[u] ?? ""
                fields["role"] = c.payload["role"] == "co" ? "协办" : "主办"
                let (r, cl) = deadlines["\(c.ticketId)/\(u)"] ?? (nil, nil)
                fields["response_deadline"] = local(r)
                fields["close_deadline"] = local(cl)
                fields["clock"] = c.payload["clock"] == "response" ? "签收" : "办结"
                fields["deadline"] = local(c.payload["clock"] == "response" ? r : cl)
                fields["required_by"] = local(c.payload["required_by"].flatMap(Timestamp.parse))
            }
            if c.kind == OutwardKind.noticeCaller {
                guard c.personalData, let phone = ticket.caller?.phone, !ticket.anonymous else { return nil }
                fields["code"] = ticket.queryCode ?? ""
                data["phone"] = phone
            }
            data["text"] = Notices.render(templates[c.payload["template"] ?? ""] ?? "", fields)
        }
        let ticketJSON = try APIEncoder.data(shaped(ticket, c))
        let dataJSON = try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys, .withoutEscapingSlashes])
        let head = try JSONSerialization.data(withJSONObject: [
            "id": String(c.eventId), "kind": kind, "occurred_at": Timestamp.format(c.at, in: s.zone.timeZone),
        ], options: [.sortedKeys, .withoutEscapingSlashes])
        var out = head.dropLast()   // the closing brace
        out.append(contentsOf: Array(",\"ticket\":".utf8)); out.append(ticketJSON)
        out.append(contentsOf: Array(",\"data\":".utf8)); out.append(dataJSON)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// A delivery that carried a caller's personal data is in the access log.
    func logPersonalData(_ c: OutboxStore.Claimed) async throws {
        guard let t = tickets[c.ticketId] else { return }
        try await s.accessLog.recordDelivery(ticket: c.ticketId, fields: AccessLog.fields(t.caller), webhook: c.webhookId)
    }
}
