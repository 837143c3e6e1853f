import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// Users and tokens (admin only). The token is in the creation response and nowhere else.
struct UserRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct UserBody: Decodable {
        var login: String?
        var displayName: String?
        var role: String?
        var unitId: String?
        var partner: PartnerBody?
        var password: String?
    }

    struct PartnerBody: Decodable {
        var hotlineNumber: String?
        var channels: [String]?
        var unitId: String?
    }

    struct Created: Encodable {
        var user: User
        var token: String
        func encode(to encoder: any Encoder) throws {
            try user.encode(to: encoder)
            var c = encoder.container(keyedBy: K.self)
            try c.encode(token, forKey: .token)
        }
        enum K: String, CodingKey { case token }
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/users", .admin) { req, ctx in
                let b = try await req.jsonBody(UserBody.self, context: ctx)
                var c = FieldChecker()
                let login = c.requiredText("login", b.login, maxLength: 64)
                if let login, !login.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.@-".contains($0)) }) {
                    c.add("login", "may contain only letters, digits and _ . @ -")
                }
                let display = c.optionalText("display_name", b.displayName, maxLength: 100) ?? ""
                let role: Role? = c.enumValue("role", b.role, required: true)
                var unit: Int64? = nil
                if let u = b.unitId {
                    if let v = Int64(u) { unit = v } else { c.add("unit_id", "must be a unit id") }
                }
                if role == .handler && b.unitId == nil { c.add("unit_id", "is required for a handler") }
                var partner: PartnerBinding? = nil
                if role == .partner {
                    if b.unitId != nil { c.add("unit_id", "a partner names its unit in partner.unit_id") }
                    if let p = b.partner {
                        let hotline = c.requiredText("partner.hotline_number", p.hotlineNumber, maxLength: 8)
                        var channels: [Channel] = []
                        if let list = p.channels, !list.isEmpty, list.count <= 20 {
                            for (i, raw) in list.enumerated() {
                                if let ch = Channel(rawValue: raw) { channels.append(ch) } else { c.add("partner.channels[\(i)]", "unknown channel; one of: \(Channel.allowedList)") }
                            }
                        } else { c.add("partner.channels", "is required: 1 to 20 channels the partner registers on") }
                        var pu: Int64? = nil
                        if let u = p.unitId { if let v = Int64(u) { pu = v } else { c.add("partner.unit_id", "must be a unit id") } }
                        if let hotline { partner = PartnerBinding(hotlineNumber: hotline, channels: Array(Set(channels)).sorted { $0.rawValue < $1.rawValue }, unitId: pu) }
                    } else { c.add("partner", "is required for a partner: hotline_number and channels") }
                } else if b.partner != nil { c.add("partner", "only a partner account takes partner") }
                if let p = b.password {
                    if let problem = Passwords.problem(p) { c.add("password", problem) }
                    else if role == .partner { c.add("password", "a partner is a system: it signs in with its token, not a password") }
                }
                try c.throwIfAny()
                let (user, token) = try await s.users.create(.init(login: login!, displayName: display, role: role!, unitId: unit, partner: partner,
                                                                   password: b.password))
                return try json(Created(user: user, token: token), status: .created, headers: [.cacheControl: "no-store"])
            },
            Endpoint(.delete, "/v1/users/{id}/tokens", .admin) { _, ctx in
                let id = try ctx.id(what: "user")
                let n = try await s.users.revokeTokens(userId: id)
                s.principals.clear()
                return try json(["revoked": n])
            },
        ]
    }
}
