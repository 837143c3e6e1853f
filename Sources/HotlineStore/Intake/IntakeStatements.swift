import Foundation
import HotlineCore
import PostgresNIO

/// The statements of one intake, prepared once per connection (`PostgresPreparedStatement`) so
/// none is planned per request. Their SQL and parameters are also what `hotline-bench intake-sql`
/// hands to pgbench, so "intake against its own SQL" compares the service with exactly this work.
public enum IntakeSQL {
    /// A bound value, typed: the same list binds the prepared statement and renders the pgbench
    /// script's literals.
    public enum Value: Sendable, Equatable {
        case text(String?)
        case bigint(Int64?)
        case bool(Bool)
        case bytea(Data)
        case timestamptz(Date)
        case int4s([Int32])

        var type: PostgresDataType {
            switch self {
            case .text: .text
            case .bigint: .int8
            case .bool: .bool
            case .bytea: .bytea
            case .timestamptz: .timestamptz
            case .int4s: .int4Array
            }
        }

        func append(to b: inout PostgresBindings) throws {
            switch self {
            case .text(let s): if let s { b.append(s) } else { b.appendNull() }
            case .bigint(let n): if let n { b.append(n) } else { b.appendNull() }
            case .bool(let v): b.append(v)
            case .bytea(let d): try b.append(d)
            case .timestamptz(let d): b.append(d)
            case .int4s(let a): b.append(a)
            }
        }

        /// A SQL literal of this value (for the pgbench script only; never sent by the service).
        public var literal: String {
            func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
            switch self {
            case .text(let s): return s.map { quoted($0) + "::text" } ?? "NULL::text"
            case .bigint(let n): return n.map { "\($0)::bigint" } ?? "NULL::bigint"
            case .bool(let v): return v ? "true" : "false"
            case .bytea(let d): return "'" + IntakeSQL.hex(d) + "'::bytea"
            case .timestamptz: return "now()"
            case .int4s(let a): return "'{" + a.map(String.init).joined(separator: ",") + "}'::int4[]"
            }
        }
    }

    /// For pgbench (`-M prepared`): each non-NULL text, bigint, bytea or int4[] value becomes a
    /// variable `:pN` (passed with `-D pN=…`, so pgbench binds it as a parameter, as the service
    /// does, and the planner sees no more than the service's statement shows it); the rest stay
    /// literals. Answers the overrides for `render` and the `-D` definitions.
    public static func pgbenchVariables(_ values: [Value], skipping: Set<Int> = []) -> (overrides: [Int: String], defines: [String]) {
        var overrides: [Int: String] = [:], defines: [String] = []
        for (i, v) in values.enumerated() where !skipping.contains(i + 1) {
            let (text, cast): (String?, String) = switch v {
            case .text(let s): (s, "text")
            case .bigint(let n): (n.map(String.init), "bigint")
            case .bytea(let d): (hex(d), "bytea")
            case .int4s(let a): ("{" + a.map(String.init).joined(separator: ",") + "}", "int4[]")
            case .bool, .timestamptz: (nil, "")
            }
            guard let text, !text.contains("\n") else { continue }
            overrides[i + 1] = ":p\(i + 1)::\(cast)"
            defines.append("p\(i + 1)=\(text)")
        }
        return (overrides, defines)
    }

    /// bytea's text form, `\x` and two hex digits a byte.
    static func hex(_ d: Data) -> String { "\\x" + Hex.string(d) }

    /// `sql` with each `$n` replaced by `overrides[n]` or the literal of `values[n-1]`.
    public static func render(_ sql: String, _ values: [Value], overrides: [Int: String] = [:]) -> String {
        var out = "", digits = "", dollar = false
        func flush() {
            if dollar, let n = Int(digits), n >= 1, n <= values.count { out += overrides[n].map { "(" + $0 + ")" } ?? values[n - 1].literal }
            else if dollar { out += "$" + digits }
            dollar = false; digits = ""
        }
        for ch in sql {
            if dollar, ch.isASCII, ch.isNumber { digits.append(ch); continue }
            flush()
            if ch == "$" { dollar = true } else { out.append(ch) }
        }
        flush()
        return out
    }

    static func bindings(_ values: [Value]) throws -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values { try v.append(to: &b) }
        return b
    }

    /// Registers a ticket in one statement: its number (the day's base and the sequence), the
    /// ticket, its `registered` event, the idempotency key, the caller's registration notice and a
    /// partner's link land together or not at all, and only if the hotline is active and the
    /// category, region and policy exist. Answers the new ticket, or nothing.
    public struct Register: PostgresPreparedStatement {
        public static let name = "hotline_intake_register_v1"
        public static let sql = """
            WITH s AS (
                SELECT ticket_number($2, nextval('ticket_number_seq') - d.base) AS number
                FROM ticket_number_days d WHERE d.day = $1::date),
            t AS (
                INSERT INTO tickets (number, query_code, hotline_number, channel, external_id, intake_hash, received_at,
                    created_by, source, caller_name, caller_phone, caller_address, confidential, anonymous, enterprise,
                    nature, category_code, region_code, title, content, sla_policy, text_bigrams)
                SELECT s.number, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23
                FROM s
                WHERE EXISTS (SELECT 1 FROM hotlines WHERE number = $4 AND active)
                  AND ($18::text IS NULL OR EXISTS (SELECT 1 FROM categories WHERE code = $18))
                  AND ($19::text IS NULL OR EXISTS (SELECT 1 FROM regions WHERE code = $19))
                  AND ($22::text IS NULL OR EXISTS (SELECT 1 FROM sla_policies WHERE code = $22))
                RETURNING *),
            e AS (
                INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, kind, from_status, to_status, payload)
                SELECT t.id, now(), $9, $24, 'registered', NULL, 'registered', $25::jsonb FROM t
                RETURNING ticket_id),
            k AS (
                INSERT INTO idempotency_keys (user_id, key, request_hash, ticket_id)
                SELECT $9, $26, $7, t.id FROM t WHERE $26::text IS NOT NULL),
            n AS (
                INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, kind, payload)
                SELECT e.ticket_id, now(), $9, $24, 'notice.caller', '{"template":"caller.registered"}'::jsonb
                FROM e JOIN t ON t.id = e.ticket_id WHERE $27),
            p AS (
                INSERT INTO ticket_partners (ticket_id, partner_id, relation, external_id)
                SELECT t.id, $28, 'registered', t.external_id FROM t WHERE $28::bigint IS NOT NULL)
            SELECT \(TicketStore.columns) FROM t
            """
        public typealias Row = Ticket
        public static var bindingDataTypes: [PostgresDataType] { types }
        static let types: [PostgresDataType] = [
            .text, .text, .text, .text, .text, .text, .bytea, .timestamptz, .int8, .text, .text, .text, .text, .bool, .bool,
            .bool, .text, .text, .text, .text, .text, .text, .int4Array, .text, .text, .text, .bool, .int8,
        ]

        public let values: [Value]
        public let day: LocalDay
        public let hash: Data
        public let fingerprint: [Int32]

        /// Parameter numbers the pgbench script varies per transaction.
        public static let idempotencyKeyParameter = 26
        public static let callerPhoneParameter = 12

        public init(day: LocalDay, queryCode: String, intake: TicketIntake, hash: Data, receivedAt: Date, actor: Principal?,
                    source: TicketStore.Source, fingerprint: [Int32], payload: String, key: String?, notifyCaller: Bool, partnerId: Int64?) {
            values = [
                .text(day.description), .text(day.compact), .text(queryCode), .text(intake.hotlineNumber), .text(intake.channel.rawValue),
                .text(intake.externalId), .bytea(hash), .timestamptz(receivedAt), .bigint(actor?.userId), .text(source.rawValue),
                .text(intake.caller?.name), .text(intake.caller?.phone), .text(intake.caller?.address), .bool(intake.confidential),
                .bool(intake.anonymous), .bool(intake.enterprise), .text(intake.nature.rawValue), .text(intake.categoryCode),
                .text(intake.regionCode), .text(intake.title), .text(intake.content), .text(intake.slaPolicy), .int4s(fingerprint),
                .text(actor?.role.rawValue), .text(payload), .text(key), .bool(notifyCaller), .bigint(partnerId),
            ]
            precondition(values.map(\.type) == Self.types)
            self.day = day; self.hash = hash; self.fingerprint = fingerprint
        }

        /// The same registration with another Idempotency-Key and caller phone: the parameters
        /// pgbench's run of this SQL varies per transaction (`hotline-bench bare-intake` too).
        public func with(key: String, phone: String) -> Register {
            var v = values
            v[Self.idempotencyKeyParameter - 1] = .text(key)
            v[Self.callerPhoneParameter - 1] = .text(phone)
            return Register(values: v, day: day, hash: hash, fingerprint: fingerprint)
        }

        private init(values: [Value], day: LocalDay, hash: Data, fingerprint: [Int32]) {
            self.values = values; self.day = day; self.hash = hash; self.fingerprint = fingerprint
        }

        public func makeBindings() throws -> PostgresBindings { try IntakeSQL.bindings(values) }
        public func decodeRow(_ row: PostgresRow) throws -> Ticket { try TicketStore.ticket(row) }
    }

    /// 并单 candidates in one round trip: the same caller's open tickets of the window, and the
    /// region's most recent open tickets with the number of bigrams each shares with this one
    /// (stored fingerprints, intarray intersection; the score is computed in Swift). A branch
    /// whose parameter is NULL stops at its one-time filter. The query is the function
    /// `intake_duplicates` (migration 0019), so PostgreSQL plans it once per connection instead of
    /// re-planning it on most calls as it did as a prepared statement of its own.
    public struct Duplicates: PostgresPreparedStatement {
        public static let name = "hotline_intake_duplicates_v2"
        public static let sql = """
            SELECT id, number, status, received_at, title, category_code, same_phone, common, size
            FROM intake_duplicates($1, $2, $3, $4, $5, $6)
            """
        /// Columns: id, number, status, received_at, title, category_code, same_phone, common, size
        /// (read column by column: most similar-branch rows fall below the threshold, and their
        /// number, status, time and title are never decoded).
        public typealias Row = PostgresRandomAccessRow
        public static var bindingDataTypes: [PostgresDataType] { [.text, .timestamptz, .int8, .text, .int4Array, .int8] }

        public let values: [Value]

        public init(phone: String?, since: Date, excluding id: Int64, region: String?, fingerprint: [Int32]) {
            values = [.text(phone), .timestamptz(since), .bigint(id), .text(region), .int4s(fingerprint), .bigint(Int64(TicketStore.regionScanLimit))]
        }

        public func makeBindings() throws -> PostgresBindings { try IntakeSQL.bindings(values) }
        public func decodeRow(_ row: PostgresRow) throws -> Row { PostgresRandomAccessRow(row) }
    }

    /// The day's row of `ticket_number_days`, created at the day's first intake with the value the
    /// sequence stands at (so the day's first number is 1 when nothing else is numbered meanwhile).
    static func openDay(_ day: LocalDay) -> PostgresQuery {
        """
        INSERT INTO ticket_number_days (day, base)
        SELECT \(day.description)::date, CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ticket_number_seq
        ON CONFLICT (day) DO NOTHING
        """
    }
}
