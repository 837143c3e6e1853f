import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import NIOCore
import Synchronization

/// Reading untrusted input: JSON bodies (bounded, UTF-8, objects only, type errors named by
/// field), CSV bodies, path ids and query parameters (unknown parameters refused).
extension Request {
    mutating func jsonBody<T: Decodable>(_ type: T.Type, context: AppContext) async throws -> T {
        guard let value = try await optionalJSONBody(type, context: context) else { throw APIError.badRequest("body", "a JSON object is required") }
        return value
    }

    /// A JSON body when one was sent (nil for an empty body). A body that is not
    /// `application/json` is 415; a duplicated key is refused (400), since parsers disagree on which wins.
    mutating func optionalJSONBody<T: Decodable>(_ type: T.Type, context: AppContext) async throws -> T? {
        let buffer = try await collectBody(upTo: Limits.maxJSONBody, context: context)
        guard buffer.readableBytes > 0 else { return nil }
        let mediaType = headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" || mediaType?.hasSuffix("+json") == true else {
            throw APIError(.unsupportedMediaType, "Unsupported media type", "the body must be application/json",
                           errors: [FieldError("Content-Type", "must be application/json, not '\(mediaType ?? "none")'")])
        }
        let data = Data(buffer.readableBytesView)
        let keys = JSONKeys.scan(data)
        if let key = keys.duplicate {
            throw APIError.badRequest(key, "appears more than once in the same object")
        }
        guard String(validating: data, as: UTF8.self) != nil else {
            throw APIError.badRequest("body", "must be valid UTF-8")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let value: T
        do {
            value = try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest([Self.fieldError(error)])
        }
        try Self.refuseUnknownFields(keys.topLevel, of: value)
        return value
    }

    /// Strict decoding: a top-level field the body type does not have is refused by name (a
    /// misspelt `confidental` must not silently mean "not confidential").
    static func refuseUnknownFields<T>(_ keys: [String], of value: T) throws {
        let known = knownFields(of: value)
        let unknown = Set(keys.filter { !known.contains($0) }).sorted()
        guard unknown.isEmpty else {
            throw APIError.badRequest(unknown.prefix(10).map { FieldError($0, "unknown field") })
        }
    }

    /// A body type's fields in snake case, read once per type (every value of a type has the same
    /// stored properties, nil or not).
    private static func knownFields<T>(of value: T) -> Set<String> {
        let type = ObjectIdentifier(T.self)
        if let known = knownFieldsByType.withLock({ $0[type] }) { return known }
        let known = Set(Mirror(reflecting: value).children.compactMap { $0.label.map(snakeCase) })
        knownFieldsByType.withLock { $0[type] = known }
        return known
    }

    private static let knownFieldsByType = Mutex<[ObjectIdentifier: Set<String>]>([:])

    mutating func csvBody(context: AppContext) async throws -> String {
        let buffer = try await collectBody(upTo: Limits.maxCSVBody, context: context)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw APIError.badRequest("body", "CSV must be UTF-8 (with or without BOM)")
        }
        return text
    }

    private mutating func collectBody(upTo limit: Int, context: AppContext) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "Content too large", "the request body exceeds \(limit / 1024) KB")
        }
    }

    static func fieldError(_ error: DecodingError) -> FieldError {
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { k in k.intValue.map { "[\($0)]" } ?? snakeCase(k.stringValue) }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
            return p.isEmpty ? "body" : p
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return FieldError(path(ctx.codingPath), "must be \(describe(type))")
        case .valueNotFound(let type, let ctx):
            return FieldError(path(ctx.codingPath), "must be \(describe(type)), not null")
        case .keyNotFound(let key, let ctx):
            return FieldError(path(ctx.codingPath + [key]), "is required")
        case .dataCorrupted(let ctx):
            return FieldError(path(ctx.codingPath), ctx.codingPath.isEmpty ? "is not valid JSON" : "has an invalid value")
        @unknown default:
            return FieldError("body", "is not valid JSON")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: return "a string"
        case is Bool.Type, is Bool?.Type: return "a boolean (true or false)"
        case is Int.Type, is Int?.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }

    static func snakeCase(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    /// Query parameters, refusing any not in `allowed` (a mistyped filter must not silently
    /// return everything).
    func query(allowed: Set<String>) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in uri.queryParameters {
            let key = String(k)
            guard allowed.contains(key) else {
                throw APIError.badRequest(key, "unknown query parameter; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            guard out[key] == nil else { throw APIError.badRequest(key, "given more than once") }
            out[key] = String(v)
        }
        return out
    }
}

extension AppContext {
    /// A numeric id from the path; anything else is simply not found.
    func id(_ name: String = "id", what: String) throws -> Int64 {
        guard let raw = parameters.get(name), let id = Int64(raw), id > 0 else { throw APIError.notFound(what) }
        return id
    }

    var requirePrincipal: Principal {
        get throws {
            guard let p = principal else { throw APIError.unauthorized }
            return p
        }
    }
}

/// `?limit=` — default 50, at most 500.
func pageLimit(_ raw: String?) throws -> Int {
    guard let raw else { return 50 }
    guard let n = Int(raw), (1...500).contains(n) else { throw APIError.badRequest("limit", "must be an integer from 1 to 500") }
    return n
}

/// The `cursor` of a collection paged by id (the previous page's last id), or nil.
func idCursor(_ raw: String?) throws -> Int64? {
    guard let raw else { return nil }
    guard let v = Base64URL.decode(raw).flatMap({ Int64($0) }) else { throw APIError.badRequest("cursor", "is not a cursor of this collection") }
    return v
}

/// A JSON response with a status.
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    let bytes = try APIEncoder.bytes(value)
    var h = headers
    h[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

struct Page<T: Encodable>: Encodable {
    var items: [T]
    var nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)  // explicit null when there is no next page
    }
    enum CodingKeys: String, CodingKey { case items, nextCursor }
}

/// `limit` and `cursor` on every collection (API.md second edition).
let pageParameters: Set<String> = ["limit", "cursor"]

extension Page {
    /// A page from `limit + 1` rows read: the extra row only says there is more; the cursor is
    /// the last item's key.
    static func trimmed(_ rows: [T], limit: Int, key: (T) -> String) -> Page<T> {
        let items = Array(rows.prefix(limit))
        return Page(items: items, nextCursor: rows.count > limit ? items.last.map { Base64URL.encode(key($0)) } : nil)
    }

    /// A small collection, already in its order, served in pages: `limit` (1–500, default 50) and
    /// `cursor` (opaque: the key of the previous page's last item).
    static func slice(_ all: [T], _ q: [String: String], key: (T) -> String) throws -> Page<T> {
        var limit = 50
        if let l = q["limit"] {
            guard let n = Int(l), (1...500).contains(n) else { throw APIError.badRequest("limit", "must be an integer from 1 to 500") }
            limit = n
        }
        var start = 0
        if let c = q["cursor"] {
            guard let last = Base64URL.decode(c), let i = all.firstIndex(where: { key($0) == last })
            else { throw APIError.badRequest("cursor", "is not a cursor of this collection") }
            start = i + 1
        }
        let page = Array(all[start..<min(all.count, start + limit)])
        let more = start + limit < all.count
        return Page(items: page, nextCursor: more ? page.last.map { Base64URL.encode(key($0)) } : nil)
    }
}
