import Testing

@testable import NightshiftAI

@Suite("Extractive query: how much of a question a text holds")
struct ExtractiveQueryTests {
    /// The rule, stated on the text's stems as a set: a question term the text holds counts fully, one it holds
    /// only a variant of counts `variantWeight`, weighted by the terms' rarity.
    private func reference(_ query: ExtractiveQuery, _ text: String) -> (coverage: Double, terms: Set<Int>) {
        let stems = Set(LocalEmbedder.tokenize(text))
        var covered = 0.0
        var held: Set<Int> = []
        for (index, term) in query.terms.enumerated() {
            let credit =
                stems.contains(term.stem)
                ? 1 : (stems.map { ExtractiveTerms.variantCredit(term.stem.utf8, $0.utf8) }.max() ?? 0)
            if credit > 0 {
                covered += term.weight * credit
                held.insert(index)
            }
        }
        return (query.totalWeight > 0 ? covered / query.totalWeight : 0, held)
    }

    @Test("matching streamed over the text's terms gives what the rule on its set of stems gives")
    func streamedMatchEqualsTheRule() {
        let questions = [
            "How do I cancel a session without paying the cancellation fee?",
            "What is the privacy policy for patient data and notes?",
            "Can I reschedule my appointment to later next week?",
            "which therapists have online video slots on Monday",
            "", "the and of",
        ]
        let texts = [
            "Cancellations made 24 hours ahead are free; a late cancellation costs half the session fee.",
            "Our privacy policy: patients' data and therapist notes are encrypted. Notes stay private.",
            "You can reschedule an appointment later, up to a week before. Rescheduling is free.",
            "Therapist Ana offers online video sessions; slots open every Monday.",
            "Cancel cancel CANCEL cancelled cancellation cancellations",
            "Nothing related here at all.", "", "fee fee fee",
        ]
        var matched = 0
        for question in questions {
            let query = ExtractiveQuery(question)
            for text in texts {
                let streamed = query.match(in: text)
                let expected = reference(query, text)
                #expect(streamed.terms == expected.terms, "\(question) / \(text)")
                #expect(abs(streamed.coverage - expected.coverage) < 1e-12, "\(question) / \(text)")
                #expect(query.coverage(in: text) == streamed.coverage)
                if !streamed.terms.isEmpty { matched += 1 }
            }
        }
        #expect(matched >= 8)
        // A variant counts partly, and a full match later in the text still counts fully.
        let query = ExtractiveQuery("cancellation fee")
        let variantOnly = query.match(in: "cancelling costs a fee")
        let both = query.match(in: "cancelling costs a fee; see cancellation")
        #expect(variantOnly.terms == [0, 1] && both.terms == [0, 1])
        #expect(variantOnly.coverage < both.coverage && abs(both.coverage - 1) < 1e-12)
    }

    /// The answerer reads each word of a source once: its coverage comes from the sentences' credits (plus list
    /// markers, title and headings) and must equal the coverage of the whole text joined, as before.
    @Test("a source's coverage from its sentences equals the coverage of its title, headings and text joined")
    func sourceCoverageFromSentences() throws {
        let questions = [
            "How do I cancel a session without paying the fee?", "What happens to my notes and data?",
            "Can I pay by invoice or insurance?", "how do refunds work after a cancellation", "step 2 of the setup",
            "What is covered in the first session?", "Which exercises help with sleep and stress?",
        ]
        var sources = KnowledgeBase.entries.enumerated().map { index, entry in
            PromptSource(number: index + 1, content: entry.content, title: entry.title, headingPath: entry.headings)
        }
        // List markers, headings, a quote, odd white space, a number only a marker holds, no title.
        sources.append(
            PromptSource(
                number: 99,
                content: """
                    # Setup

                    1. Install the app.\u{00A0}It takes a minute.
                    2) Sign in with your e-mail; cancellation is free.
                    - Notes stay private.
                    > Quoted: refunds within 5 days!
                    Short one.
                    """))
        var compared = 0
        for question in questions {
            let query = ExtractiveQuery(question)
            for source in sources {
                let joined = ([source.title ?? ""] + source.headingPath + [source.content]).joined(separator: "\n")
                let expected = query.coverage(in: joined)
                let scanned = ExtractiveAnswerer.scan(source, for: query).coverage
                #expect(abs(scanned - expected) < 1e-12, "\(question) / source \(source.number)")
                if expected > 0 { compared += 1 }
            }
        }
        #expect(compared >= 15)
    }
}
