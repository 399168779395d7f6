// BuiltinTeacher: a deterministic story writer assembled from sentence banks.
//
// How a story is put together (all choices drawn from Rng(prompt id, label) streams):
//   1. Roles. The required noun's category picks the story's focus: an animal or person
//      becomes a companion the hero meets ("pal"), a place becomes a trip, food and
//      objects become a prize the hero gets. Nouns that fit none of these (body parts,
//      weather, times, ideas, things to play in) get a side sentence of their own while
//      the focus is drawn from a small bank. The adjective attaches to the focus ("a red
//      kite") unless its category asks for its own frame (feelings, character traits,
//      tastes, weather). The verb's category picks frames that work without an object
//      ("loved to sing"), with one ("loved to kick things"), for things that happen
//      ("watch things melt") or for animal sounds ("heard something bark").
//   2. Beats. Intro (opening, verb, friend, foreshadowing setup) → inciting event
//      (prize / pal / trip) → activity (side sentence, conflict, twist) → ending (payoff,
//      happy or sad ending, dialogue) → moral. Each beat draws one template of a bank;
//      templates contain [a|b|c] alternatives and {slot}s, so two stories rarely share
//      more than a few sentences.
//   3. Features are realised by dedicated banks and never by accident: quotes appear
//      only in dialogue templates, "learned that" / "lesson" only in morals, "surprise"
//      only in twists, "remembered" only in foreshadowing payoffs, arguing only in
//      conflicts, and sad endings only when a bad ending was asked for.
//
// Templates are parsed once; rendering appends string pieces into one reserved buffer.
#include "generators/builtin.h"
#include "generators/instruct.h"
#include "generators/builtin_code.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/rng.h"
#include "generators/builtin_story_banks.h"
#include "prompts/sampler.h"

namespace primer::generators {
namespace {

using base::Feature;
using base::Rng;
using vocab::Form;
using vocab::Pos;

// ---------------------------------------------------------------------------------
// Slots: the values a template can refer to as {name}.
// ---------------------------------------------------------------------------------
// clang-format off
enum Slot : uint8_t {
  kA, kHe, kHeLow, kHim, kHis, kHisLow, kKid,    // hero: name, pronouns, "girl"/"boy"
  kB, kBHe, kBHeLow, kBHim, kBHisLow, kBKid,     // friend
  kN, kANoun, kJ, kAJ,                           // required noun ("a dog"), adjective ("a red")
  kV, kVd, kVing,                                // required verb: base, past, -ing
  kT, kAT,                                       // prize ("a red kite")
  kC, kAC,                                       // pal ("a little puppy")
  kP, kTheP, kInP,                               // trip place ("the big park", "in the park")
  kF, kAF,                                       // foreshadowing object
  kParent, kParentCap,                           // "mom" / "Mom"
  kFood,                                         // a plural food for taste adjectives
  kSlotCount
};
// clang-format on

struct SlotName {
  std::string_view name;
  Slot slot;
  bool from_vocab;  // value comes from the vocabulary (required words, names)
};
// clang-format off
constexpr SlotName kSlotNames[] = {
    {"A", kA, true},        {"He", kHe, false},     {"he", kHeLow, false}, {"him", kHim, false},
    {"His", kHis, false},   {"his", kHisLow, false}, {"kid", kKid, false},  {"B", kB, true},
    {"Bhe", kBHe, false},   {"bhe", kBHeLow, false}, {"bhim", kBHim, false}, {"bhis", kBHisLow, false},
    {"bkid", kBKid, false}, {"N", kN, true},        {"aN", kANoun, true},  {"J", kJ, true},
    {"aJ", kAJ, true},      {"V", kV, true},        {"Vd", kVd, true},     {"Ving", kVing, true},
    {"T", kT, true},        {"aT", kAT, true},      {"C", kC, true},       {"aC", kAC, true},
    {"P", kP, true},        {"theP", kTheP, true},  {"inP", kInP, true},   {"F", kF, false},
    {"aF", kAF, false},     {"parent", kParent, false}, {"Parent", kParentCap, false},
    {"food", kFood, false},
};
// clang-format on

// The data (fixed words, foreshadowing objects, sentence banks): builtin_story_banks.h.
using namespace story_banks;

// ---------------------------------------------------------------------------------
// Template parsing and rendering.
// ---------------------------------------------------------------------------------
struct Node;
using Seq = std::vector<Node>;
struct Node {
  enum Kind : uint8_t { kLiteral, kSlotRef, kChoice } kind = kLiteral;
  Slot slot = kA;
  std::string text;
  std::vector<Seq> alts;
};

Seq parse_seq(std::string_view t, size_t& i, bool nested) {
  Seq seq;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) seq.push_back(Node{Node::kLiteral, kA, std::move(lit), {}});
    lit.clear();
  };
  while (i < t.size()) {
    const char c = t[i];
    if (nested && (c == '|' || c == ']')) break;
    if (c == '{') {
      const size_t close = t.find('}', i);
      if (close == std::string_view::npos) throw std::logic_error("builtin teacher: unclosed '{' in a template");
      const std::string_view name = t.substr(i + 1, close - i - 1);
      bool found = false;
      for (const auto& s : kSlotNames)
        if (s.name == name) {
          flush();
          seq.push_back(Node{Node::kSlotRef, s.slot, {}, {}});
          found = true;
        }
      if (!found) throw std::logic_error("builtin teacher: unknown slot {" + std::string(name) + "}");
      i = close + 1;
    } else if (c == '[') {
      flush();
      Node choice{Node::kChoice, kA, {}, {}};
      ++i;
      while (true) {
        choice.alts.push_back(parse_seq(t, i, true));
        if (i >= t.size()) throw std::logic_error("builtin teacher: unclosed '[' in a template");
        if (t[i++] == ']') break;
      }
      seq.push_back(std::move(choice));
    } else {
      lit.push_back(c);
      ++i;
    }
  }
  flush();
  return seq;
}

Seq parse_template(std::string_view t) {
  size_t i = 0;
  Seq s = parse_seq(t, i, false);
  if (i != t.size()) throw std::logic_error("builtin teacher: stray '|' or ']' in a template");
  return s;
}

using SlotValues = std::array<std::string_view, kSlotCount>;

void render(const Seq& seq, const SlotValues& v, Rng& rng, std::string& out) {
  for (const Node& n : seq) {
    switch (n.kind) {
      case Node::kLiteral: out += n.text; break;
      case Node::kSlotRef: out += v[n.slot]; break;
      case Node::kChoice: render(n.alts[rng.below(n.alts.size())], v, rng, out); break;
    }
  }
}

// For verification: every literal and every alternative, slots from the vocabulary left
// out (they are vocabulary words by construction) and fixed-word slots spelled with all
// of their possible values.
void flatten(const Seq& seq, std::string& out) {
  for (const Node& n : seq) {
    switch (n.kind) {
      case Node::kLiteral: out += n.text; break;
      case Node::kSlotRef: out += " it"; break;  // stands in for a word; keeps "{A}'s" whole
      case Node::kChoice:
        for (const Seq& alt : n.alts) {
          flatten(alt, out);
          out += ' ';
        }
        break;
    }
  }
}

std::string_view article(std::string_view word) {
  if (word.empty()) return "a";
  auto starts = [&](std::string_view p) { return word.substr(0, p.size()) == p; };
  const char c = word[0];
  if (c == 'u') return starts("uni") || starts("use") || starts("usu") ? "a" : "an";
  if (c == 'a' || c == 'e' || c == 'i' || c == 'o') return "an";
  if (starts("hour") || starts("honest")) return "an";
  return "a";
}

// "a red kite", "an old box", "some warm milk": the first mention of a focus object.
void noun_phrase(std::string& out, std::string_view adj, std::string_view noun, bool mass) {
  out.clear();
  out += mass ? std::string_view("some") : article(adj.empty() ? noun : adj);
  out += ' ';
  if (!adj.empty()) {
    out += adj;
    out += ' ';
  }
  out += noun;
}

enum class Role : uint8_t { kPal, kPlace, kPrize, kBody, kWeather, kTime, kAbstract, kGround };
enum class Focus : uint8_t { kPrize, kPal, kPlace };

Role noun_role(const vocab::Entry& e) {
  if (e.has_category("animal") || e.has_category("person")) return Role::kPal;
  if (e.has_category("place")) return Role::kPlace;
  if (e.has_category("body")) return Role::kBody;
  if (e.has_category("weather")) return Role::kWeather;
  if (e.has_category("time")) return Role::kTime;
  if (e.has_category("abstract")) return Role::kAbstract;
  if (e.has_category("ground")) return Role::kGround;
  return Role::kPrize;  // food, toys, objects, clothes, vehicles, nature, and no category
}

size_t count_words(std::string_view s) {
  size_t n = 0;
  bool in = false;
  for (char c : s) {
    const bool sp = c == ' ' || c == '\n';
    if (!sp && !in) ++n;
    in = !sp;
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------
// The parsed banks and everything else fixed at construction.
// ---------------------------------------------------------------------------------
struct BuiltinTeacher::Banks {
  std::vector<Seq> bank[kBankCount];
  std::vector<Seq> fore_payoff;  // parallel to kFore
  std::vector<uint32_t> girls, boys;
  std::vector<std::string> canned;  // exact-duplicate pool
  std::string near_name;
};

namespace {

// One story being written: the output buffer, the choice stream and the slot values.
struct Writer {
  const std::vector<Seq>* banks;  // [kBankCount]
  Rng rng;
  std::string& out;
  SlotValues v{};

  std::array<uint8_t, kBankCount> used{};  // 1 + index of the last template used per bank

  // Appends one sentence of bank `id`, never the same template twice in a row.
  void sentence(BankId id) {
    const auto& b = banks[id];
    size_t k = rng.below(b.size());
    if (used[id] == k + 1) k = (k + 1) % b.size();
    used[id] = static_cast<uint8_t>(k + 1);
    if (!out.empty() && out.back() != '\n') out += ' ';
    render(b[k], v, rng, out);
  }
  void sentence(const Seq& s) {
    if (!out.empty() && out.back() != '\n') out += ' ';
    render(s, v, rng, out);
  }
  void paragraph() {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n\n";
  }
};

}  // namespace

BuiltinTeacher::BuiltinTeacher(const vocab::Vocabulary& vocab, BuiltinOptions options)
    : vocab_(vocab), options_(options) {
  if (!(options.noise >= 0.0 && options.noise <= 1.0))
    throw std::invalid_argument("builtin teacher: noise must be between 0 and 1");
  if (!(options.hostile >= 0.0 && options.hostile <= 1.0 && options.noise + options.hostile <= 1.0))
    throw std::invalid_argument("builtin teacher: hostile must be between 0 and 1 - noise");
  check_code_tasks();
  auto banks = std::make_unique<Banks>();
  for (int b = 0; b < kBankCount; ++b)
    for (size_t k = 0; k < kBankSources[b].count; ++k)
      banks->bank[b].push_back(parse_template(kBankSources[b].items[k]));
  for (const auto& f : kFore) banks->fore_payoff.push_back(parse_template(f.payoff));

  // Check every word the banks can produce against the vocabulary.
  std::string text;
  for (int b = 0; b < kBankCount; ++b)
    for (const Seq& s : banks->bank[b]) {
      flatten(s, text);
      text += ' ';
    }
  for (const Seq& s : banks->fore_payoff) {
    flatten(s, text);
    text += ' ';
  }
  for (auto w : kPronounWords) (text += ' ') += w;
  for (auto w : kPrizes) (text += ' ') += w;
  for (auto w : kPals) (text += ' ') += w;
  for (const auto& p : kPlaces) ((text += ' ') += p.word) += " by";
  for (auto w : kFoods) (text += ' ') += w;
  for (const auto& f : kFore) (text += ' ') += f.word;
  const vocab::Conformance c = vocab.score(text);
  std::vector<std::string> missing;
  for (const auto& w : c.oov_words)
    if (std::find(missing.begin(), missing.end(), w) == missing.end()) missing.push_back(w);
  std::string problems;
  if (!missing.empty()) {
    problems = "the vocabulary lacks " + std::to_string(missing.size()) +
               " word(s) the builtin teacher's "
               "sentences need: ";
    for (size_t i = 0; i < missing.size(); ++i) problems += (i ? ", " : "") + missing[i];
  }
  for (uint32_t i : vocab.with_pos(Pos::kName))
    (vocab.entry(i).has_category("boy") ? banks->boys : banks->girls).push_back(i);
  if (banks->girls.size() + banks->boys.size() < 2)
    problems +=
        std::string(problems.empty() ? "" : "; ") + "the vocabulary lists fewer than two first names (pos 'name')";
  if (vocab.with_pos(Pos::kNoun).empty() || vocab.with_pos(Pos::kVerb).empty() || vocab.with_pos(Pos::kAdj).empty())
    problems +=
        std::string(problems.empty() ? "" : "; ") + "the vocabulary needs at least one noun, verb and adjective";
  if (!problems.empty())
    throw std::invalid_argument("builtin teacher: " + problems +
                                " (add them to the list, or use the bundled "
                                "vocab/default.txt)");
  const auto& near_pool = banks->girls.empty() ? banks->boys : banks->girls;
  banks->near_name = vocab.entry(near_pool.front()).lemma;
  Banks* mutable_banks = banks.get();
  banks_ = std::move(banks);

  // The exact-duplicate pool: eight clean stories for fixed synthetic prompts.
  for (uint64_t k = 0; k < 8; ++k) {
    base::PromptSpec spec;
    spec.id = base::mix64(0xD0D0CAFEull + k);
    Rng words(spec.id, "canned-words");
    spec.verb = words.pick(vocab.with_pos(Pos::kVerb));
    spec.noun = words.pick(vocab.with_pos(Pos::kNoun));
    spec.adjective = words.pick(vocab.with_pos(Pos::kAdj));
    spec.features.bits = static_cast<uint8_t>(words.below(64));
    mutable_banks->canned.push_back(write_story(spec));
  }
}

BuiltinTeacher::~BuiltinTeacher() = default;

std::string BuiltinTeacher::write_story(const base::PromptSpec& p) const {
  std::string out;
  out.reserve(2048);
  Writer w{banks_->bank, Rng(p.id, "story"), out};
  Rng& rng = w.rng;
  SlotValues& v = w.v;
  const Banks& banks = *banks_;

  // --- characters ---
  const bool hero_girl = banks.boys.empty() || (!banks.girls.empty() && rng.chance(0.5));
  const auto& hero_pool = hero_girl ? banks.girls : banks.boys;
  const uint32_t hero = hero_pool[rng.below(hero_pool.size())];
  const bool friend_girl = banks.boys.empty() || (!banks.girls.empty() && rng.chance(0.5));
  const auto& friend_pool = friend_girl ? banks.girls : banks.boys;
  uint32_t pal = friend_pool[rng.below(friend_pool.size())];
  if (pal == hero) {
    const auto& all = hero_pool.size() > 1 ? hero_pool : (hero_girl ? banks.boys : banks.girls);
    pal = all[(std::find(all.begin(), all.end(), hero) - all.begin() + 1) % all.size()];
  }
  const bool b_girl = std::find(banks.girls.begin(), banks.girls.end(), pal) != banks.girls.end();
  v[kA] = vocab_.entry(hero).lemma;
  v[kHe] = hero_girl ? "She" : "He";
  v[kHeLow] = hero_girl ? "she" : "he";
  v[kHim] = hero_girl ? "her" : "him";
  v[kHis] = hero_girl ? "Her" : "His";
  v[kHisLow] = hero_girl ? "her" : "his";
  v[kKid] = hero_girl ? "girl" : "boy";
  v[kB] = vocab_.entry(pal).lemma;
  v[kBHe] = b_girl ? "She" : "He";
  v[kBHeLow] = b_girl ? "she" : "he";
  v[kBHim] = b_girl ? "her" : "him";
  v[kBHisLow] = b_girl ? "her" : "his";
  v[kBKid] = b_girl ? "girl" : "boy";
  const bool mom = rng.chance(0.5);
  v[kParent] = mom ? "mom" : "dad";
  v[kParentCap] = mom ? "Mom" : "Dad";
  v[kFood] = kFoods[rng.below(std::size(kFoods))];

  // --- required words ---
  const vocab::Entry& noun = vocab_.entry(p.noun);
  const vocab::Entry& verb = vocab_.entry(p.verb);
  const vocab::Entry& adj = vocab_.entry(p.adjective);
  v[kN] = noun.form(Form::kBase);
  v[kJ] = adj.form(Form::kBase);
  v[kV] = verb.form(Form::kBase);
  v[kVd] = verb.form(Form::kPast).empty() ? verb.form(Form::kBase) : verb.form(Form::kPast);
  v[kVing] = verb.form(Form::kIng).empty() ? verb.form(Form::kBase) : verb.form(Form::kIng);
  const bool noun_mass = noun.has_category("mass");
  std::string a_noun, a_adj, a_prize, a_pal, the_place, in_place, a_fore;
  noun_phrase(a_noun, {}, v[kN], noun_mass);
  v[kANoun] = a_noun;
  noun_phrase(a_adj, {}, v[kJ], false);
  v[kAJ] = a_adj;

  const Role role = noun_role(noun);
  Focus focus;
  switch (role) {
    case Role::kPal: focus = Focus::kPal; break;
    case Role::kPlace: focus = Focus::kPlace; break;
    case Role::kPrize: focus = Focus::kPrize; break;
    default: focus = static_cast<Focus>(rng.below(3)); break;
  }
  enum class AdjUse : uint8_t { kFocus, kFeel, kPerson, kTaste, kWeather } adj_use = AdjUse::kFocus;
  if (adj.has_category("feel")) adj_use = AdjUse::kFeel;
  else if (adj.has_category("person")) adj_use = AdjUse::kPerson;
  else if (adj.has_category("weather")) adj_use = AdjUse::kWeather;
  else if (adj.has_category("taste"))
    adj_use =
        focus == Focus::kPrize && role == Role::kPrize && noun.has_category("food") ? AdjUse::kFocus : AdjUse::kTaste;
  const std::string_view focus_adj = adj_use == AdjUse::kFocus ? v[kJ] : std::string_view{};

  // The focus object: the required noun where it fits, else a bank word.
  if (focus == Focus::kPrize) {
    const bool own = role == Role::kPrize;
    v[kT] = own ? v[kN] : kPrizes[rng.below(std::size(kPrizes))];
    noun_phrase(a_prize, focus_adj, v[kT], own && noun_mass);
    v[kAT] = a_prize;
  } else if (focus == Focus::kPal) {
    v[kC] = role == Role::kPal ? v[kN] : kPals[rng.below(std::size(kPals))];
    noun_phrase(a_pal, focus_adj, v[kC], false);
    v[kAC] = a_pal;
  } else {
    std::string_view prep = "at";
    if (role == Role::kPlace) {
      v[kP] = v[kN];
      if (noun.has_category("in")) prep = "in";
      else if (noun.has_category("on")) prep = "on";
    } else {
      const PlaceWord& pw = kPlaces[rng.below(std::size(kPlaces))];
      v[kP] = pw.word;
      prep = pw.prep;
    }
    the_place = "the ";
    if (!focus_adj.empty()) (the_place += focus_adj) += ' ';
    the_place += v[kP];
    v[kTheP] = the_place;
    ((in_place = prep) += " the ") += v[kP];
    v[kInP] = in_place;
  }
  // The pal, place and prize slots are always set, so side templates may use them.
  if (v[kT].empty()) v[kT] = kPrizes[rng.below(std::size(kPrizes))];
  if (v[kC].empty()) v[kC] = kPals[rng.below(std::size(kPals))];

  const bool dialogue = p.features.has(Feature::kDialogue);
  const bool bad = p.features.has(Feature::kBadEnding);
  const bool moral = p.features.has(Feature::kMoralValue);
  const bool twist = p.features.has(Feature::kPlotTwist);
  const bool fore = p.features.has(Feature::kForeshadowing);
  const bool conflict = p.features.has(Feature::kConflict);
  const int fore_index = static_cast<int>(rng.below(std::size(kFore)));
  if (fore) {
    v[kF] = kFore[fore_index].word;
    noun_phrase(a_fore, {}, v[kF], false);
    v[kAF] = a_fore;
  }
  const auto pick3 = [&](BankId prize, BankId pal_bank, BankId place) {
    return focus == Focus::kPrize ? prize : focus == Focus::kPal ? pal_bank : place;
  };

  // --- paragraph 1: intro ---
  w.sentence(kOpening);
  if (adj_use == AdjUse::kWeather) w.sentence(kAdjWeather);
  if (adj_use == AdjUse::kPerson) w.sentence(kAdjPerson);
  if (verb.has_category("intr")) w.sentence(kVerbIntr);
  else if (verb.has_category("watch")) w.sentence(kVerbWatch);
  else if (verb.has_category("noise")) w.sentence(kVerbNoise);
  else w.sentence(kVerbTr);
  w.sentence(kHome);
  if (rng.chance(0.4)) w.sentence(kHome);
  const bool friend_early = rng.chance(0.6);
  if (friend_early) w.sentence(kFriend);
  if (fore) w.sentence(dialogue && rng.chance(0.5) ? kForeSetupTalk : kForeSetup);

  // --- paragraph 2: what happens ---
  w.paragraph();
  w.sentence(pick3(kIncitePrize, kIncitePal, kIncitePlace));
  if (!friend_early) w.sentence(kFriend);
  w.sentence(pick3(kAfterPrize, kAfterPal, kAfterPlace));
  if (dialogue) w.sentence(pick3(kTalkPrize, kTalkPal, kTalkPlace));
  if (adj_use == AdjUse::kFeel) w.sentence(kAdjFeel);
  if (rng.chance(0.6)) w.sentence(kFiller);

  // --- paragraph 3: the middle ---
  if (!rng.chance(0.3)) w.paragraph();
  const bool food = focus == Focus::kPrize && role == Role::kPrize && noun.has_category("food");
  const auto act = [&] { w.sentence(food ? kActFood : pick3(kActPrize, kActPal, kActPlace)); };
  act();
  if (adj_use == AdjUse::kTaste) w.sentence(kAdjTaste);
  switch (role) {
    case Role::kBody: w.sentence(kSideBody); break;
    case Role::kWeather: w.sentence(kSideWeather); break;
    case Role::kTime: w.sentence(kSideTime); break;
    case Role::kAbstract: w.sentence(kSideAbstract); break;
    case Role::kGround: w.sentence(kSideGround); break;
    default: break;
  }
  if (verb.has_category("intr") && rng.chance(0.5)) w.sentence(kVerbPastIntr);
  if (rng.chance(0.5)) act();
  if (rng.chance(0.6)) w.sentence(kActMore);
  if (conflict) {
    w.sentence(pick3(kConflictPrize, kConflictPal, kConflictPlace));
    if (dialogue && rng.chance(0.6)) w.sentence(kConflictTalk);
  }
  if (twist) {
    if (rng.chance(0.5)) w.sentence(kTwistOpen);
    w.sentence(pick3(kTwistPrize, kTwistPal, kTwistPlace));
  }
  if (!conflict && !twist && rng.chance(0.5)) w.sentence(kFiller);
  // Short so far: a little more of the middle (stories run about 150-400 words).
  for (int extra = 0; extra < 5 && count_words(out) < 150; ++extra) w.sentence(extra % 2 ? kFiller : kActMore);

  // --- paragraph 4: the ending ---
  w.paragraph();
  if (fore) {
    if (bad) w.sentence(kForeBad);
    else w.sentence(banks.fore_payoff[fore_index]);
  }
  if (bad) {
    if (conflict && focus == Focus::kPrize && rng.chance(0.6)) w.sentence(kSadConflictPrize);
    else w.sentence(food ? kSadFood : pick3(kSadPrize, kSadPal, kSadPlace));
    if (dialogue && rng.chance(0.6)) w.sentence(kSadTalk);
    w.sentence(kSadClose);
  } else {
    if (conflict) w.sentence(kMakeUp);
    w.sentence(food ? kHappyFood : pick3(kHappyPrize, kHappyPal, kHappyPlace));
    if (dialogue && rng.chance(0.6)) w.sentence(kHappyTalk);
    w.sentence(kHappyClose);
  }

  // --- the moral, in its own paragraph or at the end of the last one ---
  if (moral) {
    if (rng.chance(0.6)) w.paragraph();
    w.sentence(conflict ? kMoralShare : bad ? kMoralCareful : kMoralGeneral);
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

namespace {

// The generic reply to a recipe prompt (see builtin.h): every slot value in a sentence,
// in the declared format.
base::Reply write_recipe_reply(const base::PromptSpec& p, const prompts::ReplySpec& spec) {
  std::string body = "This is a short text";
  for (size_t i = 0; i < p.slots.size(); ++i)
    body += (i == 0 ? " about " : i + 1 == p.slots.size() ? " and " : ", ") + p.slots[i].second;
  body += ".";
  for (const std::string& w : p.required) body += " It uses the word " + w + ".";
  base::Reply reply;
  if (spec.format == prompts::ReplyFormat::kText) {
    reply.text = body;
    return reply;
  }
  auto value_of = [&](const std::string& field) {
    if (field == spec.text) return body;
    for (const auto& [name, value] : p.slots)
      if (name == field) return value;
    return field + " for " + (p.slots.empty() ? std::string("this prompt") : p.slots.front().second);
  };
  if (spec.format == prompts::ReplyFormat::kSections) {
    for (const std::string& f : spec.fields) reply.text += f + ": " + value_of(f) + "\n\n";
    return reply;
  }
  base::JsonWriter w;
  w.begin_object();
  for (const std::string& f : spec.fields) w.field(f, value_of(f));
  w.end_object();
  reply.text = p.id % 2 ? "Here it is:\n```json\n" + w.take() + "\n```" : w.take();
  return reply;
}

}  // namespace

base::Reply BuiltinTeacher::complete(const base::PromptSpec& p) const {
  const prompts::ReplyShape shape = prompts::reply_shape(p.kind);
  if (shape == prompts::ReplyShape::kRecipe) return write_recipe_reply(p, options_.reply);
  if (prompts::is_code(shape)) return write_code_reply(p, CodeOptions{options_.noise, options_.hostile});
  base::Reply reply;
  Rng noise(p.id, "noise");
  int kind = -1;  // -1 clean, 0 out-of-vocabulary words, 1 truncated, 2 exact dup, 3 near dup
  if (options_.noise > 0 && noise.chance(options_.noise)) kind = static_cast<int>(noise.below(4));

  switch (kind) {
    case 2: reply.text = banks_->canned[noise.below(banks_->canned.size())]; break;
    case 3: {
      SlotValues v{};
      std::string a_noun;
      const vocab::Entry& noun = vocab_.entry(p.noun);
      v[kA] = banks_->near_name;
      v[kN] = noun.form(Form::kBase);
      v[kV] = vocab_.entry(p.verb).form(Form::kBase);
      v[kJ] = vocab_.entry(p.adjective).form(Form::kBase);
      noun_phrase(a_noun, {}, v[kN], noun.has_category("mass"));
      v[kANoun] = a_noun;
      Rng unused(p.id, "near");
      reply.text.reserve(1024);
      render(banks_->bank[kNearDuplicate][0], v, unused, reply.text);
      break;
    }
    default: reply.text = write_story(p); break;
  }

  if (kind == 0) {
    // Insert one or two hard sentences after sentence ends.
    const int inserts = 1 + static_cast<int>(noise.below(2));
    for (int k = 0; k < inserts; ++k) {
      const std::string_view hard = kHardSentences[noise.below(std::size(kHardSentences))];
      std::vector<size_t> ends;
      for (size_t i = 0; i + 1 < reply.text.size(); ++i)
        if ((reply.text[i] == '.' || reply.text[i] == '!') && reply.text[i + 1] == ' ') ends.push_back(i + 1);
      const size_t at = ends.empty() ? reply.text.size() : ends[noise.below(ends.size())];
      reply.text.insert(at, hard);
      reply.text.insert(at, 1, ' ');
    }
  } else if (kind == 1) {
    // Cut at 35–85% of the text, inside a sentence: back up to the end of a word that
    // is not followed by punctuation, so the reply visibly stops mid-sentence.
    const std::string& t = reply.text;
    size_t cut = t.size() * (35 + noise.below(51)) / 100;
    auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    while (cut > 1 && !(is_letter(t[cut - 1]) && t[cut] == ' ')) --cut;
    reply.text.resize(cut);
    reply.finish_reason = "length";
  }

  if (shape == prompts::ReplyShape::kInstruct) {
    // The summary: the story's first sentence that names the noun, and its last sentence.
    // With noise, some replies forget the summary: the instruct filter drops them.
    const std::vector<std::string_view> sentences = narrative_sentences(reply.text, ".!");
    std::string summary;
    const std::string& noun = vocab_.entry(p.noun).lemma;
    for (auto s : sentences)
      if (s.find(noun) != std::string_view::npos) {
        summary = std::string(s);
        break;
      }
    if (summary.empty() && !sentences.empty()) summary = std::string(sentences.front());
    if (sentences.size() > 1 && summary != sentences.back()) summary.append(" ").append(sentences.back());
    if (options_.noise > 0 && noise.chance(options_.noise / 4)) reply.text.insert(0, "Story:\n");
    else reply.text = format_instruct_reply(p, reply.text, summary);
  }
  reply.usage.completion_tokens = static_cast<uint32_t>(static_cast<double>(count_words(reply.text)) * 1.3);
  reply.usage.prompt_tokens = static_cast<uint32_t>(static_cast<double>(count_words(p.text)) * 1.3);
  return reply;
}

}  // namespace primer::generators
