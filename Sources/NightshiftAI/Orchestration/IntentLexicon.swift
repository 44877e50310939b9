import NightshiftCore

/// One cue of the offline intent scorer: a word or phrase that points to an agent, with its weight.
public struct IntentCue: Sendable, Hashable {
    /// The word, or the words of a phrase, as written in the lexicon (`book`, `after session`).
    public var text: String
    /// The agent it points to.
    public var intent: AgentType
    /// How strongly: 3 names the intent almost alone, 2 is a clear hint, 1 a weak one that needs company, ½ a
    /// greeting or plea for help that only decides when nothing else does.
    public var weight: Double

    /// A cue.
    public init(_ text: String, _ intent: AgentType, _ weight: Double) {
        self.text = text
        self.intent = intent
        self.weight = weight
    }
}

/// The offline scorer's lexicon: English, romanised Hindi (Hinglish) and a few Devanagari words, since the
/// design's users speak `en`, `hi` and `hinglish`.
///
/// Words are listed in their base form; plurals and `-ing`/`-ed` forms follow (`IntentText.forms`). A phrase's
/// words match in order with up to two other words between them (`after session` matches "after yesterday's
/// session"). Weights follow one rule: 3 for a word that names the intent on its own, 2 for a clear hint,
/// 1 for a hint that only counts with others (times of day, emotions, `therapist`), ½ for greetings and pleas
/// for help, which wrap requests. A bare `session` is a weak
/// session cue: users say it of their appointments, their feelings after one, and their statistics.
public enum IntentLexicon {
    /// Every cue, in the order of the table below.
    public static let cues: [IntentCue] = table.flatMap { intent, weight, list in
        list.split(separator: ",").map { IntentCue($0.trimmingCharacters(in: .whitespaces), intent, weight) }
    }

    /// Words that negate the cues after them (English) or before them (Hindi `nahi`, `mat`): "I don't want to
    /// book", "book mat karo".
    static let negatorsBefore: Set<String> = [
        "not", "never", "dont", "didnt", "doesnt", "cant", "cannot", "wont", "isnt", "arent", "without",
    ]
    /// Hindi negators follow the verb they negate.
    static let negatorsAfter: Set<String> = ["nahi", "nahin", "mat", "नहीं", "मत"]
    /// How many words a negator reaches.
    static let negationScope = 3

    /// Intents whose cues a negation cancels. Emotions and problems stay cues when negated ("not feeling well"
    /// is a follow-up, "can't log in" a general question); requests do not ("I don't want to book").
    static let negatable: Set<AgentType> = [.booking, .session, .insights]

    private static let table: [(AgentType, Double, String)] = [
        // Booking: appointments, therapists, times.
        (.booking, 3, "book, rebook, appointment, appt, reschedule, बुक, अपॉइंटमेंट"),
        (
            .booking, 2,
            """
            schedule, cancel, slot, availability, available, consultation, nearby, opening, \
            looking for, find a, near me, see a therapist, new therapist, switch therapist, change therapist, \
            when can i, what time, oclock, baje, milna, mil sakte, free slot
            """
        ),
        (
            .booking, 1,
            """
            therapist, counsellor, counselor, counselling, counseling, psychologist, psychiatrist, doctor, dr, \
            specialist, specialise, specialize, near, search, find, \
            monday, tuesday, wednesday, thursday, friday, saturday, sunday, tomorrow, tonight, weekend, \
            morning, afternoon, evening, next week, kal
            """
        ),

        // Session: the therapist's live copilot and clinical documentation.
        (
            .session, 3,
            """
            soap, transcript, transcribe, transcription, copilot, session notes, progress note, case notes, \
            clinical notes, soap note, treatment plan, during session, in session, current session, \
            what did we discuss, we discussed
            """
        ),
        (
            .session, 2,
            """
            note, record, summarise, summarize, summary, intervention, technique, assessment, \
            documentation, document, dsm, subjective, objective, write up, start session, end session, \
            my client, the client, नोट्स
            """
        ),
        (.session, 1, "session, sesh, client, patient, diagnosis, cbt, grounding, draft, live, right now, visit, सत्र"),

        // Insights: analytics about the user's own data.
        (
            .insights, 3,
            """
            analytics, insight, trend, dashboard, stats, statistics, chart, graph, metrics, \
            how am i doing, how have i been, how is my progress, प्रगति
            """
        ),
        (
            .insights, 2,
            """
            progress, report, score, improve, improvement, compare, comparison, \
            over time, how many, attendance, streak, pattern, overview, average, no show
            """
        ),
        (
            .insights, 1,
            """
            data, history, weekly, monthly, quarter, last month, past month, this year, percentage, total, \
            highest, lowest, rate, kitna, kitne, kaisa, kaisi
            """
        ),

        // Follow-up: after a session; mood, homework, journal, feedback.
        (
            .followup, 3,
            """
            mood, homework, journal, check in, checkin, after session, since session, session ke baad, \
            मूड, होमवर्क
            """
        ),
        (
            .followup, 2,
            """
            feel, felt, feedback, practice, practise, better, worse, remind, reminder, went well, \
            helped, worksheet, follow up, followup, mehsoos, udaas, udas, dukhi, pareshan, khush, \
            lag raha
            """
        ),
        (
            .followup, 1,
            """
            anxious, sad, low, rough, stressed, overwhelmed, tired, upset, lonely, happy, calm, relieved, angry, \
            cry, scared, breathing, meditation, exercise, sleep, yesterday, log, track, tension, today was
            """
        ),

        // General: the platform itself, the account, greetings, questions of fact.
        (
            .general, 3,
            """
            password, login, log in, sign in, signin, sign up, signup, crash, bug, privacy, who are you, \
            what can you do, delete my account
            """
        ),
        (
            .general, 2,
            """
            account, error, settings, language, notification, secure, security, encrypt, subscription, \
            payment, refund, billing, difference between, what is, whats, who can see, not working, \
            not loading, doesnt work, broken
            """
        ),
        (
            .general, 1,
            """
            app, feature, explain, typical, usually, how do i, how to, kaise, kya hai, install, update, \
            chat, share, shared
            """
        ),
        // Greetings and pleas for help wrap requests ("hi, can you help me reschedule?"): alone they leave
        // general ahead, next to a request cue they must not outweigh it.
        (.general, 0.5, "help, madad, hello, hi, hey, namaste, thanks, thank, bye"),
    ]
}
