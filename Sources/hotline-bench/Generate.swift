import ArgumentParser
import Foundation
import HotlineCommandLine
import HotlineCore
import HotlineStore
import PostgresNIO

/// `hotline gen …`: synthetic data for benchmarks, loaded with COPY.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen", abstract: "Generate synthetic data for benchmarks (loaded with COPY).", subcommands: [KB.self, Tickets.self])

    struct KB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add N synthetic knowledge-base entries whose words follow the real entries' vocabulary.")
        @Option(help: "How many entries") var count: Int = 100_000
        @Option(help: "Random seed") var seed: UInt64 = 12345
        @Option(help: "Learned phrasings per entry (caller-style texts of the same vocabulary)") var learned: Int = 0
        @Option(help: "Questions per entry: the question and its similar questions (相似问; the demo entries carry 5.6 on average)")
        var questions: Int = 5

        func run() async throws {
            let config = try Config.fromEnvironment()
            let vocabulary = try Vocabulary(seedDir: config.dbDirectory.appendingPathComponent("seed"))
            let total = count
            var rng = SplitMix(seed: seed)
            var lines = CopyText(), phrasings = CopyText()
            for i in 0..<total {
                let title = vocabulary.phrase(&rng, words: 3...6)
                let question = ([vocabulary.phrase(&rng, words: 5...10)] + (1..<max(1, questions)).map { _ in vocabulary.phrase(&rng, words: 3...6) })
                    .map { $0 + "？" }.joined()
                let answer = vocabulary.phrase(&rng, words: 30...70) + "。"
                let category = vocabulary.categories[Int(rng.next() % UInt64(vocabulary.categories.count))]
                let keywords = (0..<3).map { _ in vocabulary.word(&rng) }
                for field in [String(format: "GEN%07d", i + 1), title, question, answer, category, "{" + keywords.joined(separator: ",") + "}"] {
                    lines.text(field)
                }
                lines.endRow()
                for _ in 0..<learned {
                    phrasings.text(String(format: "GEN%07d", i + 1)); phrasings.text(vocabulary.phrase(&rng, words: 6...15)); phrasings.endRow()
                }
            }
            let rows = lines, learnedRows = phrasings, perEntry = learned
            let started = ContinuousClock.now
            try await withDatabase(config) { db in
                try await db.client.withConnection { conn in
                    try await conn.query("BEGIN", logger: db.logger)
                    try await conn.query("""
                        CREATE TEMP TABLE kb_gen (code text, title text, question text, answer text, category text, keywords text[])
                            ON COMMIT DROP
                        """, logger: db.logger)
                    try await conn.copy(rows, into: "kb_gen", columns: ["code", "title", "question", "answer", "category", "keywords"], logger: db.logger)
                    try await conn.query("""
                        WITH e AS (INSERT INTO kb_entries (code) SELECT code FROM kb_gen ON CONFLICT (code) DO NOTHING RETURNING id, code)
                        INSERT INTO kb_versions (entry_id, version, title, question, answer, category, keywords, searchable)
                        SELECT e.id, 1, g.title, g.question, g.answer, g.category, g.keywords, true
                        FROM kb_gen g JOIN e ON e.code = g.code
                        """, logger: db.logger)
                    if perEntry > 0 {
                        try await conn.query("CREATE TEMP TABLE kb_gen_phrasings (code text, text text) ON COMMIT DROP", logger: db.logger)
                        try await conn.copy(learnedRows, into: "kb_gen_phrasings", columns: ["code", "text"], logger: db.logger)
                        try await conn.query("""
                            INSERT INTO kb_phrasings (entry_id, text, fingerprint)
                            SELECT e.id, left(p.text, 200), '{}' FROM kb_gen_phrasings p JOIN kb_entries e ON e.code = p.code
                            """, logger: db.logger)
                    }
                    try await conn.query("COMMIT", logger: db.logger)
                    try await conn.query("ANALYZE kb_versions", logger: db.logger)
                    try await conn.query("ANALYZE kb_entries", logger: db.logger)
                }
            }
            print("generated \(total) entries (\(learned) learned phrasings each) in \(ContinuousClock.now - started) (after \(total) texts were built)")
        }
    }
}

/// Words (character bigrams) taken from the real seed texts, drawn with a Zipf-like skew so that
/// common words are common in the synthetic entries too.
struct Vocabulary {
    var words: [String]
    var categories: [String]

    init(seedDir: URL) throws {
        var counts: [String: Int] = [:]
        var cats = Set<String>()
        for file in ["kb-sample.csv", "demo/kb-extra.csv", "categories.csv", "hotlines-cn.csv"] {
            let text = try String(contentsOf: seedDir.appendingPathComponent(file), encoding: .utf8)
            for b in ChineseText.tokens(text).bigrams { counts[b, default: 0] += 1 }
            if file.hasPrefix("kb") || file.hasPrefix("demo/kb") {
                let table = try CSVTable(text: text, required: ["category"])
                for r in table.rows { cats.insert(table.values(r)["category"] ?? "") }
            }
        }
        words = counts.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.map(\.key)
        categories = cats.filter { !$0.isEmpty }.sorted()
    }

    func word(_ rng: inout SplitMix) -> String {
        // Rank r with probability ∝ 1/(r+10): a long tail with a head of common words.
        let u = Double(rng.next() % 1_000_000) / 1_000_000
        let n = Double(words.count)
        let r = Int((pow(n + 10, u) * pow(10, 1 - u)) - 10)
        return words[max(0, min(words.count - 1, r))]
    }

    func phrase(_ rng: inout SplitMix, words range: ClosedRange<Int>) -> String {
        let n = range.lowerBound + Int(rng.next() % UInt64(range.count))
        return (0..<n).map { _ in word(&rng) }.joined()
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
