"""Text of the sample world: survey comments, social mentions and follow-up actions, assembled from templates."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.config import JOURNEY_ORDER

PRAISE, MIXED, COMPLAINT = 0, 1, 2
# The journey's touchpoints first (their indexes are shared with the simulation), then the other topics.
TOPICS = (
    *JOURNEY_ORDER,
    "ease",
    "value",
    "account",
    "billing_migration",
    "field_partner",
)
TOPIC_INDEX = {name: i for i, name in enumerate(TOPICS)}
# Topic of each attribute of the relationship survey, in schema order of sample_params.ATTRIBUTES.
ATTRIBUTE_TOPICS = ("product", "support", "ease", "value", "billing", "account")

OPENERS = (
    ("", "", "", "Thanks for asking.", "Short version:", "Happy to share some feedback.", "Credit where it's due."),
    ("", "", "", "Mixed feelings this time.", "Some good, some not so good.", "Honest feedback:", "Overall okay."),
    ("", "", "", "Not happy, to be honest.", "Frustrating experience.", "I have to be blunt.", "This keeps happening."),
)
CLOSERS = (
    ("", "", "", "Keep it up.", "Thank you!", "Would recommend.", "Great job overall.", "Much appreciated."),
    ("", "", "", "Room to improve.", "Hope the next one is smoother.", "Please look into it.", "Getting there."),
    (
        "",
        "",
        "",
        "Please fix this.",
        "We are reviewing our options.",
        "This needs escalating.",
        "Someone should call me back.",
        "We expected better at this price.",
    ),
)

CORES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "sales": (
        (
            "The sales team understood our requirements quickly.",
            "Our rep put together a clear quote with no surprises.",
            "The proposal matched exactly what we discussed.",
            "Great demo, it answered every question our operations lead had.",
            "Pricing options were explained clearly and honestly.",
            "The account executive followed up exactly when promised.",
            "They took the time to understand our sites before quoting.",
            "The trial was well organised and easy to evaluate.",
            "Contract paperwork was quick and painless.",
            "Our rep connected us with a reference customer in our industry, which helped a lot.",
        ),
        (
            "The rep was friendly but the quote took two weeks to arrive.",
            "Good conversation, though the pricing tiers are confusing.",
            "The demo was fine but skipped the reporting features we asked about.",
            "Helpful team, but we had to chase for the revised proposal.",
            "The quote was fair, the contract terms less so.",
            "Sales knew the product well but not our industry.",
            "We got what we needed in the end, after a few back-and-forths.",
            "Responsive rep, although the discount conditions were unclear.",
        ),
        (
            "The quote we signed did not match the first invoice.",
            "We were promised features that turned out to be on the roadmap only.",
            "The sales rep stopped answering once the contract was signed.",
            "The quote left out the installation fees entirely.",
            "Too much pressure to sign before the end of the quarter.",
            "Three different reps in two months and nobody knew our history.",
            "The pricing we were quoted was misleading.",
            "We asked for a simple quote and got a forty-page proposal with hidden extras.",
        ),
    ),
    "onboarding": (
        (
            "Setup was finished a week ahead of plan.",
            "The onboarding manager kept everyone on track.",
            "Training sessions were practical and well paced.",
            "Data migration went smoothly, nothing was lost.",
            "Our users were productive within days of go-live.",
            "The kickoff call set clear expectations for every step.",
            "The implementation checklist made it easy to see what was left.",
            "Great training materials, our new starters use them too.",
            "The onboarding team handled our custom integration with ease.",
            "Go-live was calm, which is rare for us.",
        ),
        (
            "Setup took longer than planned but the team kept us informed.",
            "Training was useful but too generic for our workflows.",
            "Go-live worked, though a few user accounts were missing.",
            "The onboarding manager was great, the documentation less so.",
            "Good start overall, the data import needed two attempts.",
            "We got there, with one or two delays along the way.",
            "The training recordings helped, the live sessions ran over time.",
            "Implementation was fine apart from the single sign-on setup.",
        ),
        (
            "Our setup was delayed by three weeks with no explanation.",
            "Nobody told us the data migration would need a second weekend.",
            "Training was cancelled twice at short notice.",
            "We are two months in and the integration still does not work.",
            "The onboarding plan was ignored after the kickoff call.",
            "We had to train our own users because the sessions never happened.",
            "Setup dragged on and our go-live date slipped again.",
            "Half of our user accounts were set up with the wrong permissions.",
        ),
    ),
    "product": (
        (
            "The platform has been rock solid for us.",
            "No outages in months, that is exactly what we need.",
            "The new dashboard saves our team hours every week.",
            "Reliable and fast, even at month end.",
            "The mobile app works well for our field staff.",
            "Reporting is much better since the last release.",
            "The scheduling module does exactly what we need.",
            "Everything just works, which is the highest compliment I can give.",
            "The integrations with our ERP run without a hitch.",
            "Performance is excellent even with our full team logged in.",
        ),
        (
            "The product does the job but the interface feels dated.",
            "Mostly stable, with the odd slow afternoon.",
            "Good features, though the last update moved things around.",
            "Works well once set up, but exports are clunky.",
            "Reliable overall, the search could be faster.",
            "We like the core features, reporting still lacks flexibility.",
            "A couple of bugs since the last release, nothing critical.",
            "The app is fine on desktop, less so on mobile.",
        ),
        (
            "Another outage this morning, the second one this month.",
            "The system went down during our busiest hour.",
            "The latest release broke our reports and nobody warned us.",
            "We keep hitting the same bug with the export.",
            "The platform is slow every Monday morning.",
            "Data from yesterday is missing again.",
            "The mobile app crashes whenever our technicians sync.",
            "We lost a day of work because of the outage.",
            "Features we rely on were removed without notice.",
            "Login failures have become a weekly event.",
        ),
    ),
    "support": (
        (
            "The support agent solved my issue on the first call.",
            "Quick, friendly and knowledgeable support.",
            "Wait time was under five minutes and the fix worked.",
            "The agent followed up the next day to make sure everything was fine.",
            "Support explained the problem clearly and fixed it fast.",
            "Chat support answered within a minute.",
            "The agent went beyond the script to help us.",
            "Our ticket was resolved the same afternoon.",
            "Best support experience we have had with any vendor.",
            "The engineer who picked up our case really knew the product.",
        ),
        (
            "The agent was helpful but I waited forty minutes to get through.",
            "Issue resolved eventually, after being transferred twice.",
            "Support was polite but did not really understand the problem.",
            "The fix worked, the ticket updates were slow.",
            "Good answer in the end, too long to get there.",
            "Friendly agent, but I had to explain everything again.",
            "Chat was quick, the follow-up email less so.",
            "They solved it on the second attempt.",
        ),
        (
            "I waited over an hour on hold and then the call dropped.",
            "Our ticket has been open for two weeks without an update.",
            "I was transferred four times and still have no answer.",
            "The agent closed the ticket without fixing anything.",
            "Support keeps asking for the same screenshots.",
            "Nobody called back as promised.",
            "Wait times have become unacceptable.",
            "The agent did not know the product at all.",
            "We had to escalate through our account manager to get any help.",
            "Three contacts for the same issue and it is still unresolved.",
        ),
    ),
    "field_service": (
        (
            "The technician arrived on time and fixed everything in one visit.",
            "Great technician, explained what he did and cleaned up after.",
            "The appointment window was short and they were punctual.",
            "Field engineer was professional and well prepared.",
            "Our equipment was back up within the hour.",
            "Booking the visit online was easy and the technician was early.",
            "The technician brought the right parts first time.",
            "Very professional visit, our site manager was impressed.",
            "They sent a reminder the day before and arrived as scheduled.",
            "Quick turnaround from call to repair.",
        ),
        (
            "The technician was good but arrived two hours late.",
            "Fixed on the second visit because parts were missing the first time.",
            "Friendly technician, the appointment booking was painful.",
            "The repair worked, the paperwork took longer than the job.",
            "Decent visit, nobody told us about the delay in advance.",
            "The engineer knew the equipment but was rushed.",
            "Good work once he arrived, the arrival window was far too wide.",
            "Rescheduled once, then done properly.",
        ),
        (
            "The technician did not show up and nobody called.",
            "Our appointment was missed twice.",
            "The technician did not have the right parts, so we wait another week.",
            "The repair failed again two days later.",
            "We took a day off for a visit that never happened.",
            "The technician left without finishing the job.",
            "Appointment windows of eight hours are not acceptable for a business.",
            "Nobody could tell us when the technician would arrive.",
        ),
    ),
    "billing": (
        (
            "Invoices are always accurate and on time.",
            "The billing portal makes it easy to download every invoice.",
            "Billing questions are answered quickly.",
            "Clear invoices, easy to match against our purchase orders.",
            "The billing team fixed a small error within a day.",
            "Paying through the portal takes a minute.",
            "Never had a billing problem with you.",
            "Consolidated invoicing has saved our finance team a lot of time.",
        ),
        (
            "Invoices are correct but arrive late in the month.",
            "The billing portal works, though it is hard to find older invoices.",
            "One small invoice error, fixed quickly.",
            "Billing is fine, the invoice layout is confusing.",
            "We had to ask twice for a copy of the invoice.",
            "The credit note took longer than expected.",
            "Payment was processed, the confirmation email never came.",
            "Billing works but the purchase order numbers are often missing.",
        ),
        (
            "We were double charged this month.",
            "The invoice was wrong again and we had to dispute it.",
            "The billing portal will not let us download our invoices.",
            "We are still waiting for a credit note promised weeks ago.",
            "Invoices do not match our contract rates.",
            "Our payment was applied to the wrong account.",
            "Billing errors are costing our finance team hours every month.",
            "We received three invoices for the same service.",
            "Nobody in billing can explain the charges on our invoice.",
            "The late fee was applied even though we paid on time.",
        ),
    ),
    "renewal": (
        (
            "The renewal was quick and the terms were fair.",
            "Our account manager prepared the renewal well in advance.",
            "Renewal pricing was transparent and reasonable.",
            "Easy renewal, no surprises in the contract.",
            "They offered a multi-year option that suits us well.",
            "The renewal review showed real value from the last year.",
            "Smooth renewal, the paperwork took ten minutes.",
            "Good renewal terms given how much we use the service.",
        ),
        (
            "Renewal went through, but the price increase was steep.",
            "Fair terms in the end, after some negotiation.",
            "We renewed, though the new contract terms are stricter.",
            "The renewal quote came late but was reasonable.",
            "Renewal was fine, the notice period change was not explained.",
            "We will renew, but we expect more for the price.",
            "The renewal call was useful, the follow-up slow.",
            "Terms are acceptable, the auto-renewal clause less so.",
        ),
        (
            "The renewal price went up far more than we were told.",
            "We only found out about the new renewal terms from the invoice.",
            "Nobody contacted us before the auto-renewal kicked in.",
            "The renewal terms are not competitive any more.",
            "We are being asked to pay more for the same service.",
            "The renewal quote was wrong twice.",
            "We have asked for a renewal review three times.",
            "The cancellation terms in the renewal are unreasonable.",
        ),
    ),
    "ease": (
        (
            "You are easy to do business with.",
            "Everything from ordering to invoicing is simple.",
            "One phone number, one portal, no runaround.",
            "Processes are straightforward and well documented.",
            "It is easy to get the right person on the phone.",
            "Changes to our account are quick to make.",
            "Ordering additional services takes minutes.",
            "The self-service portal covers almost everything we need.",
        ),
        (
            "Mostly easy to work with, some processes still need paperwork.",
            "The portal is handy but some requests still need an email.",
            "Simple enough, although approvals take a few days.",
            "Easy day to day, harder when something unusual comes up.",
            "Good processes, too many different contacts.",
            "Ordering is easy, changing an order is not.",
        ),
        (
            "Every small change needs three emails and a form.",
            "It is hard to know who to contact for what.",
            "The portal keeps logging us out and forms get lost.",
            "Simple requests take weeks.",
            "We are passed between departments for every question.",
            "Too much paperwork for basic changes.",
            "Nothing can be done online, it all goes through email.",
        ),
    ),
    "value": (
        (
            "Good value for what we pay.",
            "The service pays for itself in saved time.",
            "Pricing is fair compared with the alternatives we looked at.",
            "We get a lot for the price.",
            "Clear pricing and good value overall.",
            "Worth every cent for the uptime alone.",
            "The return on this investment is easy to show to our board.",
        ),
        (
            "The price is high but the service is solid.",
            "Fair value, though the recent price increase hurt.",
            "Pricing is okay, the add-ons add up quickly.",
            "Decent value, we would like more included in the base package.",
            "Expensive, but better than the cheaper options we tried.",
            "Value is fine, the pricing structure is confusing.",
        ),
        (
            "Too expensive for what we get.",
            "The price increase was not justified by any improvement.",
            "We pay more every year for the same service.",
            "Competitors offer the same for much less.",
            "The add-on pricing feels like nickel-and-diming.",
            "Hard to justify this cost to our finance team.",
            "The new pricing makes us reconsider the contract.",
        ),
    ),
    "account": (
        (
            "Our account manager really understands our business.",
            "Quarterly reviews with our account manager are genuinely useful.",
            "Our account manager is proactive and always reachable.",
            "We feel like a valued customer.",
            "Our account manager flagged a cost saving before we asked.",
            "Great relationship with our account team.",
            "The account team knows our history and our people.",
        ),
        (
            "Our account manager is nice but hard to reach.",
            "Good account team, too many changes of contact this year.",
            "Reviews are useful but happen too rarely.",
            "Our account manager means well but cannot get things done internally.",
            "The new account manager is still learning our setup.",
            "Decent relationship, a bit reactive.",
        ),
        (
            "We have had three account managers in a year.",
            "Our account manager never calls back.",
            "Nobody from the account team has visited us in a year.",
            "We only hear from our account manager when the renewal is due.",
            "The account manager did not know about our open issues.",
            "We do not even know who our account manager is.",
        ),
    ),
    "billing_migration": (
        (
            "The new billing system looks cleaner now that the issues are sorted.",
            "After the migration the new invoices are actually easier to read.",
            "The team fixed our invoice from the new billing system quickly.",
            "The new billing portal is an improvement once you get used to it.",
        ),
        (
            "The new billing system is nicer, the migration was messy.",
            "Our invoices since the migration needed corrections, fixed eventually.",
            "The new billing portal works now but the first weeks were painful.",
            "The billing migration cost us a few hours, support helped in the end.",
            "Since the new billing system went live our invoice references changed, which confused our finance team.",
        ),
        (
            "Since the new billing system went live every invoice has been wrong.",
            "We were charged twice after the billing migration.",
            "The new billing portal has been down for days.",
            "Our invoices from the new billing system do not match our contract.",
            "The billing migration lost our purchase order numbers and our payments bounced.",
            "Nobody can explain the charges on the invoice from the new system.",
            "The new billing system sent us a reminder for an invoice we already paid.",
            "Since the migration we cannot log in to the billing portal at all.",
            "The migration to the new billing platform has been a disaster for our finance team.",
            "We received duplicate invoices after the billing system change.",
        ),
    ),
    "field_partner": (
        (
            "The new service partner's technician did a good job.",
            "First visit from the new partner went well.",
            "The new field team was punctual and polite.",
        ),
        (
            "The new service partner's technician was friendly but not familiar with our equipment.",
            "The visit from the new field partner took two attempts.",
            "The new partner is learning, the second visit fixed it.",
            "Since the switch to the new field partner the appointment booking is slower.",
        ),
        (
            "Since the change of field-service partner technicians miss appointments.",
            "The new partner's technician did not know our equipment at all.",
            "Our repair needed three visits from the new service partner.",
            "The new field team never confirmed the appointment and did not show up.",
            "The new service partner sent a technician without the right parts, twice.",
            "Field service quality has dropped badly since the partner change.",
        ),
    ),
}

SECOND_SENTENCE_SHARE = 0.3

SOCIAL_CORES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "product": (
        (
            "Three years on Northwind Services and not a single major outage. Solid platform.",
            "Northwind Services' new reporting dashboard is a real time saver for our ops team.",
            "Shout out to Northwind Services, their platform just works.",
            "Switched our field ops to Northwind Services last year, no regrets.",
        ),
        (
            "Northwind Services is fine for the basics, reporting could be better.",
            "Anyone using Northwind Services' mobile app offline? Ours syncs slowly.",
            "Northwind Services platform update today. Some things moved, getting used to it.",
        ),
        (
            "Northwind Services is down again. Second time this month.",
            "Is Northwind Services having an outage? Our whole team is locked out.",
            "Latest Northwind Services release broke our exports. Not impressed.",
        ),
    ),
    "support": (
        (
            "Northwind Services support fixed our issue in ten minutes. Impressive.",
            "Great chat support from Northwind Services today.",
            "Credit to the Northwind Services support team, quick and knowledgeable.",
        ),
        (
            "Northwind Services support got there in the end, but the hold time was long.",
            "Decent support from Northwind Services, a bit slow on email.",
        ),
        (
            "Forty minutes on hold with Northwind Services support and still no answer.",
            "Our Northwind Services ticket has been open for two weeks. Anyone else?",
            "Northwind Services support keeps closing tickets without fixing anything.",
        ),
    ),
    "billing": (
        (
            "Northwind Services invoices are always clean, our finance team loves them.",
            "Easy billing portal at Northwind Services, wish every vendor did this.",
        ),
        (
            "Northwind Services invoice layout changed, took us a while to find the totals.",
            "Small billing mix-up with Northwind Services, fixed after a call.",
        ),
        (
            "Double charged by Northwind Services this month. Waiting on a refund.",
            "Northwind Services billing portal not working again.",
            "Anyone else getting wrong invoices from Northwind Services?",
        ),
    ),
    "field_service": (
        (
            "Northwind Services technician was on time and fixed it in one visit.",
            "Great field engineer from Northwind Services today, very professional.",
        ),
        (
            "Northwind Services technician was good, the booking window not so much.",
            "Repair done by Northwind Services on the second visit.",
        ),
        (
            "Northwind Services technician no-show again. Took the day off for nothing.",
            "Still waiting for Northwind Services to send someone with the right parts.",
        ),
    ),
    "value": (
        (
            "Northwind Services pays for itself for our team.",
            "Compared three vendors, Northwind Services was the best value.",
        ),
        (
            "Northwind Services is not cheap, but it does the job.",
            "Northwind Services price increase noted. Still good, but watching it.",
        ),
        (
            "Another price increase from Northwind Services. Time to look at alternatives.",
            "Northwind Services keeps charging more for the same service.",
        ),
    ),
    "onboarding": (
        (
            "Went live on Northwind Services this week. Smoothest rollout we've had.",
            "Northwind Services onboarding team was excellent.",
        ),
        ("Onboarding with Northwind Services took longer than planned, but we are live.",),
        ("Our Northwind Services setup is three weeks late. Not a great start.",),
    ),
    "billing_migration": (
        ("Northwind Services' new billing system is up and running for us, invoices look clearer.",),
        (
            "Northwind Services moved to a new billing system. Some teething problems with our invoices.",
            "New Northwind Services billing portal: nicer design, but our invoice history is missing.",
        ),
        (
            "Northwind Services' new billing system double charged us. Anyone else in Europe?",
            "Since Northwind Services changed billing systems every invoice we get is wrong.",
            "Northwind Services billing portal has been down for three days. Cannot pay, cannot download invoices.",
            "Northwind Services billing migration is a mess. Our finance team is spending days on disputes.",
            "Wrong VAT on our Northwind Services invoice after their billing system switch.",
            "Got a payment reminder from Northwind Services for an invoice we paid. New billing system, same story.",
        ),
    ),
    "field_partner": (
        ("New Northwind Services field partner technician today, did a decent job.",),
        ("Northwind Services switched field partners. Technician was nice but unfamiliar with our kit.",),
        (
            "Northwind Services' new field partner missed our appointment. Twice.",
            "Since Northwind Services changed field partners the technicians don't know our equipment.",
            "Third visit from Northwind Services' new partner and the repair still isn't done.",
        ),
    ),
}
SOCIAL_TOPICS = ("product", "support", "billing", "field_service", "value", "onboarding")
SOCIAL_TOPIC_SHARES = (0.30, 0.25, 0.15, 0.12, 0.10, 0.08)
SOCIAL_TAILS = (
    ("", "", " #customerexperience", " Highly recommend.", " 5 stars from us."),
    ("", "", " We'll see.", " Mixed bag so far."),
    ("", "", " @NorthwindHelp", " #fail", " Not happy."),
)

ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sales": (
        (
            "Called the customer with the sales lead; corrected the quote and confirmed the agreed price in writing.",
            "Reviewed the proposal with the customer and removed the unexpected fees.",
            "Account executive apologised and reissued the contract with the promised terms.",
        ),
        ("Left a voicemail; sales lead to review the quote history.", "Waiting for the customer to confirm a call."),
    ),
    "onboarding": (
        (
            "Agreed a new go-live date and assigned a senior implementation consultant.",
            "Ran an extra training session for the customer's users.",
            "Fixed the user permissions and walked the admin through the setup.",
        ),
        ("Implementation manager to call back with a revised plan.", "Waiting for the customer's IT contact."),
    ),
    "product": (
        (
            "Shared the outage root-cause report and the remediation plan.",
            "Logged the bug with engineering; workaround explained to the customer.",
            "Product specialist ran a session on the new release and restored the missing report.",
            "Confirmed the fix for the export bug with the customer.",
        ),
        ("Bug logged with engineering; awaiting a fix date.", "Outage review scheduled with the customer."),
    ),
    "support": (
        (
            "Called the customer, reopened the ticket and resolved it with a senior engineer.",
            "Apologised for the wait time; issue fixed on the call.",
            "Escalated the ticket to tier 2; resolved the same day and confirmed with the customer.",
            "Reviewed the case with the support lead and gave the customer a direct contact.",
        ),
        ("Ticket escalated to tier 2; awaiting an update.", "Left a voicemail; email sent with a case summary."),
    ),
    "field_service": (
        (
            "Rebooked the visit with a fixed two-hour window; technician confirmed the repair.",
            "Apologised for the missed appointment and waived the call-out fee.",
            "Sent a senior technician with the parts; repair confirmed by the site manager.",
        ),
        ("Visit rebooked; waiting for parts.", "Raised with the field-service partner; awaiting their response."),
    ),
    "billing": (
        (
            "Issued a credit note for the duplicate charge and confirmed by email.",
            "Corrected the invoice and reset the billing portal access.",
            "Refunded the overcharge and added a note to check the next invoice.",
            "Walked the customer's finance team through the invoice; corrected the purchase order reference.",
        ),
        ("Invoice dispute logged with billing; credit note pending.", "Waiting for finance to approve the refund."),
    ),
    "renewal": (
        (
            "Account manager reviewed the renewal terms with the customer and agreed a phased increase.",
            "Explained the renewal pricing and offered a multi-year option.",
            "Corrected the renewal quote and sent the revised contract.",
        ),
        ("Renewal review meeting scheduled.", "Waiting for the commercial team to approve revised terms."),
    ),
    "ease": (
        (
            "Set up self-service access for the customer's admins and closed the open requests.",
            "Gave the customer a single point of contact for account changes.",
        ),
        ("Process review raised with operations.", "Waiting for the customer to confirm a call."),
    ),
    "value": (
        (
            "Account manager ran a value review showing usage and savings; agreed a package change.",
            "Explained the price change and moved the customer to a better-fitting plan.",
        ),
        ("Pricing review requested from the commercial team.", "Left a voicemail; value review to be scheduled."),
    ),
    "account": (
        (
            "Introduced the new account manager in person and agreed quarterly reviews.",
            "Account manager called, reviewed open issues and set up a monthly check-in.",
        ),
        ("New account manager to be assigned.", "Waiting for the customer to confirm a meeting."),
    ),
    "billing_migration": (
        (
            "Corrected the invoices issued by the new billing system and refunded the duplicate charge.",
            "Restored billing portal access and sent corrected invoices for March and April.",
            "Credited the late fee caused by the billing migration and confirmed the account balance.",
        ),
        (
            "Logged with the billing migration team; correction pending.",
            "Waiting for the migration fix to be deployed.",
        ),
    ),
    "field_partner": (
        (
            "Escalated to the new field partner; senior technician completed the repair.",
            "Rebooked with the partner's team lead and waived the call-out fee.",
        ),
        ("Raised with the new field-service partner; awaiting their response.", "Visit rebooked for next week."),
    ),
}


class Templates:
    """Template fragments flattened into Arrow arrays so that text is assembled with vectorised takes."""

    def __init__(self, groups: dict[str, tuple[tuple[str, ...], ...]], topics: tuple[str, ...]):
        flat: list[str] = []
        n_kinds = max(len(v) for v in groups.values())
        self.offset = np.zeros((len(topics), n_kinds), dtype=np.int64)
        self.count = np.zeros((len(topics), n_kinds), dtype=np.int64)
        for t, topic in enumerate(topics):
            for k, options in enumerate(groups.get(topic, ())):
                self.offset[t, k] = len(flat)
                self.count[t, k] = len(options)
                flat.extend(options)
        self.values = pa.array(flat, pa.string())

    def take(self, topic: np.ndarray, kind: np.ndarray, draw: np.ndarray) -> pa.Array:
        """One fragment per row for (topic, kind), chosen by draw in [0, 1)."""
        index = self.offset[topic, kind] + (draw * self.count[topic, kind]).astype(np.int64)
        return self.values.take(pa.array(index))


def _pick(options: tuple[tuple[str, ...], ...], kind: np.ndarray, draw: np.ndarray, suffix: str = " ") -> pa.Array:
    """One option per row from options[kind], with `suffix` after non-empty options."""
    flat = [o + suffix if o else "" for group in options for o in group]
    offsets = np.cumsum([0] + [len(g) for g in options[:-1]])
    counts = np.array([len(g) for g in options])
    index = offsets[kind] + (draw * counts[kind]).astype(np.int64)
    return pa.array(flat, pa.string()).take(pa.array(index))


_COMMENT_CORES = Templates(CORES, TOPICS)
_SOCIAL_CORES = Templates(SOCIAL_CORES, TOPICS)
_ACTIONS = Templates(ACTIONS, TOPICS)
_EMPTY = pa.array([""], pa.string())


def comments(rng: np.random.Generator, topic: np.ndarray, sentiment: np.ndarray, second_topic: np.ndarray) -> pa.Array:
    """Survey comments: opener, a core sentence on `topic`, an optional second sentence, a closer.

    For mixed relationship comments `second_topic` names the weak attribute's topic (praise of the strong one first,
    then the complaint); elsewhere it equals `topic` and a second sentence of the same kind is sometimes added.
    """
    n = len(topic)
    first_kind = np.where((sentiment == MIXED) & (second_topic != topic), PRAISE, sentiment)
    second_kind = np.where((sentiment == MIXED) & (second_topic != topic), COMPLAINT, sentiment)
    with_second = (second_topic != topic) | (rng.random(n) < SECOND_SENTENCE_SHARE)
    core = _COMMENT_CORES.take(topic, first_kind, rng.random(n))
    second = _COMMENT_CORES.take(second_topic, second_kind, rng.random(n))
    second = pc.if_else(pa.array(with_second), pc.binary_join_element_wise(" ", second, ""), _EMPTY.take([0] * n))
    second = pc.if_else(pc.equal(second, pc.binary_join_element_wise(" ", core, "")), _EMPTY.take([0] * n), second)
    opener = _pick(OPENERS, sentiment, rng.random(n))
    closer = _pick(CLOSERS, sentiment, rng.random(n), suffix="")
    closer = pc.if_else(pc.equal(closer, ""), closer, pc.binary_join_element_wise(" ", closer, ""))
    text = pc.binary_join_element_wise(opener, core, second, closer, "")
    return pc.utf8_trim_whitespace(text)


def social_texts(rng: np.random.Generator, topic: np.ndarray, sentiment: np.ndarray) -> pa.Array:
    """Social-media posts about the company for (topic, sentiment) per row."""
    n = len(topic)
    core = _SOCIAL_CORES.take(topic, sentiment, rng.random(n))
    tail = _pick(SOCIAL_TAILS, sentiment, rng.random(n), suffix="")
    return pc.binary_join_element_wise(core, tail, "")


def actions(rng: np.random.Generator, topic: np.ndarray, closed: np.ndarray) -> pa.Array:
    """Follow-up action notes: what was done (closed) or what is pending (open)."""
    return _ACTIONS.take(topic, np.where(closed, 0, 1), rng.random(len(topic)))
