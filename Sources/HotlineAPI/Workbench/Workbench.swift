import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import NIOCore

/// The browser workbench (API.md "The workbench"): sign-in with a password, a server-side
/// session in a cookie, a CSRF token in every form, and pages under `/ui/` rendered on the
/// server from the same stores and the same workflow as the API (a form's action is the API's
/// verb: `TicketAction.validate` then `TicketWorkflow.apply`).
struct Workbench {
    let s: Services
    /// The board's monthly rankings (a minute per month and level, per process).
    let rankings: Rankings
    /// The board's live figures, one set per 10 seconds of the service clock and write stamp (the
    /// key, so `ttl` never expires them first), waited for.
    let liveFigures = Refreshed<LiveFigures>(ttl: .seconds(3600), wait: .seconds(60), maxKeys: 8)
    /// Failed sign-ins per client address per minute: the same limit as failed tokens.
    let signInAddresses: FailureThrottle
    /// Failed sign-ins per login within 15 minutes before that login must wait (429).
    let signInFailures = FailureThrottle(limit: 10, window: 900)

    init(_ s: Services) {
        self.s = s
        self.rankings = Rankings()
        self.signInAddresses = FailureThrottle(limit: s.authFailuresPerMinute, window: 60)
    }

    static let cookieName = "hotline_session"
    static let maxFormBytes = 64 * 1024

    /// Pages' security headers: no script at all, styles and images from the service only.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    /// Where each role starts.
    static func home(_ role: Role) -> String {
        switch role {
        case .handler: return "/ui/inbox"
        case .callback: return "/ui/callbacks"
        case .dispatcher, .agent: return "/ui/queue"
        case .supervisor, .admin: return "/ui/board"
        case .auditor, .partner: return "/ui/reports/monthly"
        }
    }

    typealias Handler = @Sendable (Request, AppContext) async throws -> Response

    /// Every page and form target, with its path as the OpenAPI document writes it.
    var routes: [(method: HTTPRequest.Method, path: String, handler: Handler)] {
        [
            (.get, "/", { req, ctx in try await signInPage(req, ctx) }),
            (.post, "/login", { req, ctx in try await login(req, ctx) }),
            (.post, "/logout", { req, ctx in try await logout(req, ctx) }),
            (.get, "/ui/static/app.css", { _, _ in Self.stylesheet() }),
            (.get, "/ui", { req, ctx in try await withSession(req, ctx, roles: nil) { redirect(Self.home($0.principal.role)) } }),
            (.get, "/ui/inbox", { req, ctx in try await withSession(req, ctx, roles: [.handler]) { try await inbox(req, $0) } }),
            (.get, "/ui/queue", { req, ctx in try await withSession(req, ctx, roles: [.dispatcher, .agent]) { try await queue($0) } }),
            (.get, "/ui/callbacks", { req, ctx in try await withSession(req, ctx, roles: [.callback]) { try await callbacks($0, ctx) } }),
            (.get, "/ui/board", { req, ctx in try await withSession(req, ctx, roles: [.supervisor, .admin]) { try await board(req, $0) } }),
            (.get, "/ui/reports/monthly", { req, ctx in try await withSession(req, ctx, roles: Self.reportReaders) { try await monthlyPage(req, $0) } }),
            (.get, "/ui/reports/monthly/download", { req, ctx in try await withSession(req, ctx, roles: Self.reportReaders) { _ in try await monthlyDownload(req) } }),
            (.get, "/ui/tickets/{id}", { req, ctx in
                try await withSession(req, ctx, roles: nil) { session in
                    let done = req.uri.queryParameters.get("done").map { d in
                        d == "attachment" ? "附件已上传。" : "已完成：" + (Verb(rawValue: d).map { Self.form($0).title } ?? "操作")
                    }
                    return try await ticketPage(id: try ctx.id(what: "ticket"), session, ctx, flash: done.map { ($0, false) })
                }
            }),
            (.get, "/ui/tickets/{id}/attachments/{aid}", { req, ctx in
                try await withSession(req, ctx, roles: nil) { session in
                    try await AttachmentRoutes(s).download(ticket: try ctx.id(what: "ticket"), attachment: try ctx.id("aid", what: "attachment"),
                                                           for: session.principal, requestId: ctx.requestId, via: "workbench")
                }
            }),
            (.post, "/ui/tickets/{id}/attachments", { req, ctx in
                try await withSession(req, ctx, roles: AttachmentRoutes.uploaders) { try await uploadForm(req, id: try ctx.id(what: "ticket"), $0, ctx) }
            }),
            (.post, "/ui/tickets/{id}/{verb}", { req, ctx in
                try await withSession(req, ctx, roles: nil) { try await act(req, id: try ctx.id(what: "ticket"), verb: ctx.parameters.get("verb") ?? "", $0, ctx) }
            }),
        ]
    }

    func register(_ router: Router<AppContext>) {
        for r in routes {
            let path = Endpoint(r.method, r.path, .open) { _, _ in Response(status: .ok) }.routerPath
            router.on(RouterPath(path), method: r.method, use: r.handler)
        }
    }

    static let reportReaders: Set<Role> = [.supervisor, .admin, .auditor, .dispatcher]

    // MARK: sessions

    static func cookies(_ req: Request) -> [String: String] {
        var out: [String: String] = [:]
        for header in req.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                out[kv[0].trimmingCharacters(in: .whitespaces)] = kv[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return out
    }

    func session(_ req: Request) async throws -> SessionStore.Session? {
        guard let token = Self.cookies(req)[Self.cookieName] else { return nil }
        return try await s.sessions.session(token: token)
    }

    /// Runs a page for a signed-in user of one of `roles` (nil: any). Not signed in: to the
    /// sign-in page. A POST must carry the session's CSRF token (403 without it).
    func withSession(_ req: Request, _ ctx: AppContext, roles: Set<Role>?, _ body: (SessionStore.Session) async throws -> Response) async throws -> Response {
        guard let session = try await session(req) else {
            if req.method == .post { return page(nil, status: .forbidden, title: "会话已结束", Self.message("会话已结束或无效，请重新登录。")) }
            return redirect("/")
        }
        if let roles, !roles.contains(session.principal.role) {
            return page(session, status: .forbidden, title: "无权访问", Self.message("您的角色无权访问此页面。"))
        }
        var ctx = ctx
        ctx.principal = session.principal
        ctx.logger[metadataKey: "user_id"] = "\(session.principal.userId)"
        return try await body(session)
    }

    /// The form's CSRF token equals the session's (constant time).
    static func csrfOK(_ form: Form, _ session: SessionStore.Session) -> Bool {
        guard let given = form.first("csrf") else { return false }
        let a = Array(given.utf8), b = Array(session.csrf.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }

    func csrfRefused(_ session: SessionStore.Session?) -> Response {
        page(session, status: .forbidden, title: "请求无效", Self.message("表单缺少有效的安全令牌（CSRF），操作未执行。请返回页面重试。"))
    }

    // MARK: sign-in

    func signInPage(_ req: Request, _ ctx: AppContext, status: HTTPResponse.Status = .ok, error: String? = nil) async throws -> Response {
        if status == .ok, let session = try? await session(req) { return redirect(Self.home(session.principal.role)) }
        let body = el("section", ["class": "signin"]) {
            el("h1") { "12345 热线工作台" }
            if let error { el("p", ["class": "error", "role": "alert"]) { error } }
            el("form", ["method": "post", "action": "/login"]) {
                el("label") { "账号"; void("input", ["name": "login", "autocomplete": "username", "required": "", "maxlength": "64"]) }
                el("label") { "密码"; void("input", ["name": "password", "type": "password", "autocomplete": "current-password", "required": "", "maxlength": "200"]) }
                el("button", ["type": "submit"]) { "登录" }
            }
        }
        return page(nil, status: status, title: "登录", body)
    }

    func login(_ req: Request, _ ctx: AppContext) async throws -> Response {
        // A cross-site form cannot sign someone in (login CSRF): the browser says where it came from.
        if let origin = req.headers[HTTPField.Name("Origin")!], origin != "null", let host = req.head.authority,
           URLComponents(string: origin)?.host.map({ host == $0 || host.hasPrefix($0 + ":") }) != true {
            return csrfRefused(nil)
        }
        var req = req
        let form = try await Form.read(&req, ctx)
        let login = form.first("login")?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form.first("password") ?? ""
        let address = ctx.remoteAddress ?? "unknown"
        if let wait = signInAddresses.blocked(address) ?? (login.isEmpty ? nil : signInFailures.blocked(login)) {
            var r = try await signInPage(req, ctx, status: .tooManyRequests, error: "失败次数过多，请 \(wait) 秒后再试。")
            r.headers[.retryAfter] = String(wait)
            return r
        }
        guard !login.isEmpty, login.count <= 64, !password.isEmpty, password.unicodeScalars.count <= Passwords.maximumLength,
              let (token, session) = try await s.sessions.signIn(login: login, password: password) else {
            signInAddresses.fail(address)
            if !login.isEmpty { signInFailures.fail(login) }
            return try await signInPage(req, ctx, status: .unauthorized, error: "账号或密码不正确。")
        }
        ctx.logger.info("signed in", metadata: ["user_id": "\(session.principal.userId)"])
        var headers = Self.securityHeaders
        headers[.location] = Self.home(session.principal.role)
        headers[.setCookie] = sessionCookie(token, maxAge: Int(SessionStore.absolute))
        return Response(status: .seeOther, headers: headers)
    }

    func logout(_ req: Request, _ ctx: AppContext) async throws -> Response {
        guard let session = try await session(req) else { return redirect("/") }
        var req = req
        let form = try await Form.read(&req, ctx)
        guard Self.csrfOK(form, session) else { return csrfRefused(session) }
        try await s.sessions.signOut(sessionId: session.id)
        var headers = Self.securityHeaders
        headers[.location] = "/"
        headers[.setCookie] = sessionCookie("", maxAge: 0)
        return Response(status: .seeOther, headers: headers)
    }

    func sessionCookie(_ value: String, maxAge: Int) -> String {
        "\(Self.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (s.secureCookies ? "; Secure" : "")
    }

    // MARK: responses

    func redirect(_ to: String) -> Response {
        var headers = Self.securityHeaders
        headers[.location] = to
        return Response(status: .seeOther, headers: headers)
    }

    static func message(_ text: String) -> HTMLNode {
        el("section", ["class": "card"]) { el("p") { text } }
    }

    /// A whole page: the header with the user's menu and sign-out, then `body`.
    func page(_ session: SessionStore.Session?, status: HTTPResponse.Status = .ok, title: String, _ body: HTMLNode) -> Response {
        let doc = el("html", ["lang": "zh-CN"]) {
            el("head") {
                void("meta", ["charset": "utf-8"])
                void("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
                el("title") { "\(title) · 12345 热线工作台" }
                void("link", ["rel": "stylesheet", "href": "/ui/static/app.css"])
            }
            el("body") {
                if let session {
                    el("header", ["class": "top"]) {
                        el("a", ["class": "brand", "href": "/ui/"]) { "12345 工作台" }
                        el("nav") {
                            for (href, label) in Self.menu(session.principal.role) { el("a", ["href": href]) { label } }
                        }
                        el("form", ["method": "post", "action": "/logout", "class": "signout"]) {
                            void("input", ["type": "hidden", "name": "csrf", "value": session.csrf])
                            el("span", ["class": "who"]) { "\(session.displayName)（\(Self.roleName(session.principal.role))）" }
                            el("button", ["type": "submit"]) { "退出" }
                        }
                    }
                }
                el("main") {
                    el("h1") { title }
                    body
                }
            }
        }
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: HTMLNode.document(doc))))
    }

    static func menu(_ role: Role) -> [(String, String)] {
        switch role {
        case .handler: return [("/ui/inbox", "待办")]
        case .callback: return [("/ui/callbacks", "回访队列")]
        case .dispatcher: return [("/ui/queue", "派单台"), ("/ui/reports/monthly", "月度通报")]
        case .agent: return [("/ui/queue", "工单")]
        case .supervisor, .admin: return [("/ui/board", "督办看板"), ("/ui/reports/monthly", "月度通报")]
        case .auditor, .partner: return [("/ui/reports/monthly", "月度通报")]
        }
    }

    static func roleName(_ r: Role) -> String {
        switch r {
        case .agent: return "话务员"
        case .dispatcher: return "派单员"
        case .handler: return "承办单位"
        case .callback: return "回访员"
        case .supervisor: return "督办"
        case .admin: return "管理员"
        case .auditor: return "审计"
        case .partner: return "对接系统"
        }
    }

    static let css: Data = Bundle.module.url(forResource: "workbench", withExtension: "css").flatMap { try? Data(contentsOf: $0) } ?? Data()

    static func stylesheet() -> Response {
        return Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600",
                                               HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(bytes: css)))
    }
}

/// A submitted form: `application/x-www-form-urlencoded` (or the fields of a multipart form).
struct Form: Sendable {
    var fields: [(String, String)]

    func first(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
    /// A text field, trimmed; nil when absent or empty.
    func text(_ name: String) -> String? {
        guard let v = first(name)?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    static func read(_ req: inout Request, _ ctx: AppContext) async throws -> Form {
        let type = req.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else { return Form(fields: []) }
        let body: ByteBuffer
        do { body = try await req.collectBody(upTo: Workbench.maxFormBytes) } catch {
            throw APIError(.contentTooLarge, "Content too large", "a form may be at most 64 KB")
        }
        return parse(String(buffer: body))
    }

    static func parse(_ text: String) -> Form {
        var out: [(String, String)] = []
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            out.append((decode(kv[0]), kv.count > 1 ? decode(kv[1]) : ""))
        }
        return Form(fields: out)
    }
}
