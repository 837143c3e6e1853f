import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Synchronization
import NIOCore

/// Per-request state: who is calling (set by the auth step of each endpoint).
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The peer's IP address (for throttling failed logins); nil when unknown.
    public var remoteAddress: String?
    /// The connection's event loop (`EventLoopMiddleware` runs the request on it).
    var eventLoop: (any EventLoop)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.eventLoop = source.channel.eventLoop
    }

    /// The request id that appears in logs and problem answers.
    public var requestId: String? { logger[metadataKey: "hb.request.id"]?.description }

    /// Largest body any endpoint accepts (CSV imports); JSON bodies have a smaller limit.
    public var maxUploadSize: Int { Limits.maxCSVBody }

    public var responseEncoder: APIEncoder { APIEncoder() }
}

public enum Limits {
    /// JSON request bodies. A ticket's content is at most 10,000 characters (30 KB in UTF-8).
    public static let maxJSONBody = 256 * 1024
    /// CSV imports: a legacy backlog is uploaded in files of at most this size.
    public static let maxCSVBody = 16 * 1024 * 1024
    /// Lines per CSV import.
    public static let maxCSVRows = 50_000
}

/// JSON out: snake_case keys, RFC 3339 times with the service zone's offset.
public struct APIEncoder: ResponseEncoder {
    public static let zone = TimeZone(identifier: "Asia/Shanghai")!

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try json(value)
    }

    /// The service's JSON (`ResponseJSON`). Debug builds also encode with Foundation's JSONEncoder
    /// and stop on any difference, so every test that reads an answer compares the two.
    public static func data(_ value: some Encodable) throws -> Data { Data(try bytes(value)) }

    /// The same as bytes (what a response body is made of, without a copy into Data first).
    static func bytes(_ value: some Encodable) throws -> [UInt8] {
        let bytes = try ResponseJSON.encode(value)
        #if DEBUG
        let reference = try foundationData(value)
        if !reference.elementsEqual(bytes) {
            preconditionFailure("ResponseJSON differs from JSONEncoder:\n\(String(decoding: bytes, as: UTF8.self))\n\(String(decoding: reference, as: UTF8.self))")
        }
        #endif
        return bytes
    }

    /// Foundation's JSONEncoder with the service's settings: what `ResponseJSON` must equal.
    static func foundationData(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom(SnakeCaseKeys.key)
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(Timestamp.format(date, in: zone))
        }
        return try encoder.encode(value)
    }
}

/// JSONEncoder's `convertToSnakeCase`, converted once per key name rather than once per key
/// written (it was 2% of an intake's CPU): the first time a name is seen, the encoder itself
/// converts it, so the answer is the same by construction (`snakeCaseKeysAreTheEncodersOwn`).
enum SnakeCaseKeys {
    private static let converted = Mutex<[String: String]>([:])

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// An object of one key, `name`, written through a keyed container (where the strategy applies).
    private struct One: Encodable {
        var name: String
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(0, forKey: Key(stringValue: name))
        }
    }

    @Sendable static func key(_ path: [any CodingKey]) -> any CodingKey {
        guard let last = path.last else { return Key(stringValue: "") }
        return Key(stringValue: convert(last.stringValue))
    }

    /// `name` in snake case, as JSONEncoder's `convertToSnakeCase` writes it.
    static func convert(_ name: String) -> String {
        if let known = converted.withLock({ $0[name] }) { return known }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let snake = (try? encoder.encode(One(name: name))).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Int] }?.keys.first ?? name
        // Bounded: keys of [Int: …] dictionaries pass through here too.
        converted.withLock { if $0.count < 4096 { $0[name] = snake } }
        return snake
    }
}
