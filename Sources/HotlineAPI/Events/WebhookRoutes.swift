import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// `/v1/webhooks…` (admin): subscriptions, their delivery log, redelivery.
struct WebhookRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct Body: Decodable {
        var url: String?
        var events: [String]?
        var unitId: String?
        var partnerId: String?
        var personalData: Bool?
        var active: Bool?
        var description: String?
    }

    struct Created: Encodable {
        var webhook: WebhookStore.Webhook
        var secret: String
        func encode(to encoder: any Encoder) throws {
            try webhook.encode(to: encoder)
            var c = encoder.container(keyedBy: K.self)
            try c.encode(secret, forKey: .secret)
        }
        enum K: String, CodingKey { case secret }
    }

    func fields(_ b: Body) throws -> WebhookStore.Fields {
        var c = FieldChecker()
        let url = c.requiredText("url", b.url, maxLength: 2000)
        if let url, let why = s.destinations.refusal(url) { c.add("url", why) }
        var events: [String] = []
        if let list = b.events {
            if list.isEmpty || list.count > 50 { c.add("events", "name 1 to 50 event kinds, or [\"*\"]") }
            for (i, k) in list.enumerated() where !OutwardKind.isKnown(k) {
                c.add("events[\(i)]", "unknown event kind '\(k.prefix(40))'; one of *, \(OutwardKind.all.joined(separator: ", "))")
            }
            events = Array(Set(list)).sorted()
        } else { c.add("events", "is required: a list of event kinds, or [\"*\"]") }
        func id(_ field: String, _ raw: String?) -> Int64? {
            guard let raw else { return nil }
            guard let v = Int64(raw), v > 0 else { c.add(field, "must be an id"); return nil }
            return v
        }
        let unit = id("unit_id", b.unitId), partner = id("partner_id", b.partnerId)
        if unit != nil && partner != nil { c.add("partner_id", "a subscription is for a unit or for a partner, not both") }
        let personal = b.personalData ?? false
        if personal && (b.unitId != nil || b.partnerId != nil) {
            c.add("personal_data", "only a hotline-center subscription (no unit_id, no partner_id) may receive personal data")
        }
        let description = c.optionalText("description", b.description, maxLength: 200) ?? ""
        try c.throwIfAny()
        return WebhookStore.Fields(url: url!, events: events, unitId: unit, partnerId: partner, personalData: personal,
                                   active: b.active ?? true, description: description)
    }

    func webhook(_ ctx: AppContext) async throws -> WebhookStore.Webhook {
        let id = try ctx.id(what: "webhook")
        guard let w = try await s.webhooks.get(id) else { throw APIError.notFound("webhook \(id)") }
        return w
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/webhooks", .admin) { req, ctx in
                let f = try fields(try await req.jsonBody(Body.self, context: ctx))
                let secret = WebhookSignature.newSecret()
                let sealed = try await s.secrets.box().seal(secret)
                let w = try await s.webhooks.create(f, secretBox: sealed)
                return try json(Created(webhook: w, secret: secret), status: .created,
                                headers: [.location: "/v1/webhooks/\(w.id)", .cacheControl: "no-store"])
            },
            Endpoint(.get, "/v1/webhooks", .admin) { req, ctx in
                let q = try req.query(allowed: pageParameters)
                let limit = try pageLimit(q["limit"])
                let after = try idCursor(q["cursor"])
                return try json(Page.trimmed(try await s.webhooks.list(limit: limit + 1, afterId: after), limit: limit) { $0.id })
            },
            Endpoint(.get, "/v1/webhooks/{id}", .admin) { _, ctx in
                try json(try await webhook(ctx))
            },
            Endpoint(.put, "/v1/webhooks/{id}", .admin) { req, ctx in
                let id = try ctx.id(what: "webhook")
                let f = try fields(try await req.jsonBody(Body.self, context: ctx))
                return try json(try await s.webhooks.update(id, f))
            },
            Endpoint(.delete, "/v1/webhooks/{id}", .admin) { _, ctx in
                let id = try ctx.id(what: "webhook")
                guard try await s.webhooks.delete(id) else { throw APIError.notFound("webhook \(id)") }
                return Response(status: .noContent)
            },
            Endpoint(.get, "/v1/webhooks/{id}/deliveries", .admin) { req, ctx in
                let w = try await webhook(ctx)
                let q = try req.query(allowed: pageParameters.union(["status", "event_id"]))
                var c = FieldChecker()
                let status = q["status"]
                if let status, !["pending", "delivered", "failed"].contains(status) { c.add("status", "one of: pending, delivered, failed") }
                var event: Int64? = nil, before: Int64? = nil
                if let e = q["event_id"] { if let v = Int64(e) { event = v } else { c.add("event_id", "must be an event id") } }
                if let cur = q["cursor"] {
                    if let v = Base64URL.decode(cur).flatMap({ Int64($0) }) { before = v } else { c.add("cursor", "is not a cursor of this collection") }
                }
                try c.throwIfAny()
                let limit = try pageLimit(q["limit"])
                let rows = try await s.webhooks.deliveries(webhook: Int64(w.id)!, status: status, eventId: event, limit: limit + 1, beforeId: before)
                return try json(Page.trimmed(rows, limit: limit) { $0.id })
            },
            Endpoint(.post, "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", .admin) { _, ctx in
                let hook = try ctx.id(what: "webhook")
                let delivery = try ctx.id("delivery_id", what: "delivery")
                guard let d = try await s.webhooks.redeliver(webhook: hook, delivery: delivery) else {
                    throw APIError.notFound("delivery \(delivery) of webhook \(hook)")
                }
                return try json(d, status: .accepted)
            },
        ]
    }
}

/// `GET /v1/events`: the same events as the webhooks, pulled by cursor, scoped to the caller.
struct EventRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/events", .roles(Set.all.union([.partner]))) { req, ctx in
                let principal = try ctx.requirePrincipal
                let q = try req.query(allowed: pageParameters.union(["kinds"]))
                var c = FieldChecker()
                var after: Int64 = 0
                if let cur = q["cursor"] {
                    if let v = Base64URL.decode(cur).flatMap({ Int64($0) }), v >= 0 { after = v } else { c.add("cursor", "is not a cursor this feed issued") }
                }
                var kinds: Set<String>? = nil
                if let k = q["kinds"] {
                    let list = k.split(separator: ",").map(String.init)
                    let bad = list.filter { !OutwardKind.all.contains($0) }
                    if list.isEmpty || !bad.isEmpty {
                        c.add("kinds", "unknown event kind '\(bad.first?.prefix(40) ?? "")'; comma-separated, of: \(OutwardKind.all.joined(separator: ", "))")
                    }
                    kinds = Set(list)
                }
                try c.throwIfAny()
                let limit = try pageLimit(q["limit"])
                let (items, next) = try await s.feed.page(for: principal, after: after, kinds: kinds, limit: limit)
                return try json(Page(items: items, nextCursor: Base64URL.encode(String(next))))
            },
        ]
    }
}

/// `GET /v1/notice-templates`, `PUT /v1/notice-templates/{key}` (admin): the texts of the unit's
/// and the caller's notices, with `{number}`, `{title}`, `{unit}`, `{role}`, `{response_deadline}`,
/// `{close_deadline}`, `{clock}`, `{deadline}`, `{required_by}`, `{code}` filled at delivery.
struct NoticeRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct Body: Decodable { var template: String? }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/notice-templates", .roles([.admin, .supervisor])) { req, ctx in
                let q = try req.query(allowed: pageParameters)
                return try json(Page.slice(try await NoticeTemplates(db: s.db).all(), q) { $0.key })
            },
            Endpoint(.put, "/v1/notice-templates/{key}", .admin) { req, ctx in
                let key = ctx.parameters.get("key") ?? ""
                let b = try await req.jsonBody(Body.self, context: ctx)
                var c = FieldChecker()
                let text = c.requiredText("template", b.template, maxLength: 500)
                try c.throwIfAny()
                guard let t = try await NoticeTemplates(db: s.db).put(key, text!) else { throw APIError.notFound("notice template \(key.prefix(40))") }
                return try json(t)
            },
        ]
    }
}
