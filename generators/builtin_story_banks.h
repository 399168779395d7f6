// The built-in story writer's data: the fixed words it puts into slots, the
// foreshadowing objects, the hard sentences of the out-of-vocabulary noise, and the
// sentence banks ([a|b] is a choice, {x} a slot). Included by builtin.cc only, which
// holds the code that parses and renders them (see its header comment).
#pragma once

#include <cstddef>
#include <iterator>
#include <string_view>

namespace primer::generators::story_banks {
// Data, laid out by hand:
// clang-format off

// Fixed words the writer puts into slots; each is checked against the vocabulary.
constexpr std::string_view kPronounWords[] = {"she", "he", "She", "He", "her", "him", "his", "His", "Her",
                                              "girl", "boy", "mom", "dad", "Mom", "Dad", "a", "an", "some",
                                              "the", "in", "at", "on"};
constexpr std::string_view kPrizes[] = {"ball", "kite", "doll", "robot", "teddy", "drum", "puzzle",
                                        "book", "balloon", "boat", "train", "wagon", "box", "hat"};
constexpr std::string_view kPals[] = {"puppy", "kitten", "bunny", "duck", "frog", "bird", "squirrel",
                                      "turtle", "pony", "lamb", "mouse", "chick"};
struct PlaceWord {
  std::string_view word, prep;
};
constexpr PlaceWord kPlaces[] = {{"park", "in"},    {"beach", "at"},  {"zoo", "at"},
                                 {"farm", "on"},    {"forest", "in"}, {"lake", "at"},
                                 {"garden", "in"},  {"hill", "on"},   {"playground", "at"},
                                 {"river", "by"},   {"pond", "by"},   {"woods", "in"}};
constexpr std::string_view kFoods[] = {"cookies", "apples", "grapes", "berries", "cherries", "pancakes",
                                       "carrots", "peaches", "strawberries", "nuts"};

// Foreshadowing objects: set up early ("put a map in her bag"), paid off later with
// "remembered the <object>". Each has a happy payoff; the sad payoff is generic.
struct ForeObject {
  std::string_view word;
  const char* payoff;  // template
};
constexpr ForeObject kFore[] = {
    {"flashlight", "Soon it got dark, and they could not see the way. Then {A} remembered the flashlight "
                   "in {his} bag. {He} turned it on, and the light showed them the way home."},
    {"whistle", "Soon {B} was far away and could not find {A}. Then {A} remembered the whistle. {He} "
                "blew it [three times|as hard as {he} could], and {B} ran back to {him}."},
    {"rope", "Then {B} fell into a deep hole and could not get out. {A} remembered the rope in {his} bag. "
             "{He} threw one end down to {B} and pulled {bhim} out."},
    {"umbrella", "Soon dark clouds came, and it began to rain. Then {A} remembered the umbrella. {He} "
                 "opened it, and they [stayed nice and dry|walked home dry and warm]."},
    {"map", "[Soon|After a while], they did not know which way to go. Then {A} remembered the map. {He} "
            "looked at it, and it showed them the way home."},
    {"coat", "Later, the wind got cold, and {B} began to shake. Then {A} remembered the coat in {his} "
             "bag. {He} gave it to {B}, and soon {bhe} was warm again."},
    {"key", "[Then|Later] they found an old box that would not open. {A} remembered the key in {his} "
            "pocket. It opened the box, and inside were [shiny coins|old toys|pretty shells]."},
};

// Hard words for the out-of-vocabulary noise kind; never in a simple list.
constexpr const char* kHardSentences[] = {
    "Everything felt strangely ephemeral.",
    "It was like a quantum dream.",
    "The bureaucracy of the town was very slow.",
    "The leaves were busy with photosynthesis in the sun.",
    "It was a truly magnificent afternoon.",
    "The atmosphere was serene and tranquil.",
    "Nobody could explain the mysterious phenomenon.",
    "The situation was extraordinarily complicated.",
};

// ---------------------------------------------------------------------------------
// Sentence banks. [a|b] is a choice, {x} a slot. Every sentence ends with terminal
// punctuation; sentences are joined with one space.
// ---------------------------------------------------------------------------------
#define PRIMER_BANKS(X) \
  X(Opening) X(VerbIntr) X(VerbTr) X(VerbWatch) X(VerbNoise) X(VerbPastIntr) X(Friend) \
  X(AdjWeather) X(AdjPerson) X(AdjFeel) X(AdjTaste) X(ForeSetup) X(ForeSetupTalk) X(ForeBad) \
  X(IncitePrize) X(IncitePal) X(IncitePlace) X(AfterPrize) X(AfterPal) X(AfterPlace) \
  X(TalkPrize) X(TalkPal) X(TalkPlace) X(ActPrize) X(ActPal) X(ActPlace) \
  X(Home) X(ActMore) X(ActFood) X(HappyFood) X(SadFood) X(SideBody) X(SideWeather) X(SideTime) X(SideAbstract) X(SideGround) X(Filler) \
  X(ConflictPrize) X(ConflictPal) X(ConflictPlace) X(ConflictTalk) X(MakeUp) \
  X(TwistOpen) X(TwistPrize) X(TwistPal) X(TwistPlace) \
  X(HappyPrize) X(HappyPal) X(HappyPlace) X(HappyClose) X(HappyTalk) \
  X(SadPrize) X(SadPal) X(SadPlace) X(SadConflictPrize) X(SadClose) X(SadTalk) \
  X(MoralShare) X(MoralCareful) X(MoralGeneral) X(NearDuplicate)

#define PRIMER_BANK_ENUM(name) k##name,
enum BankId : uint8_t { PRIMER_BANKS(PRIMER_BANK_ENUM) kBankCount };
#undef PRIMER_BANK_ENUM

namespace text {  // the bank texts, one array per BankId

// Openings: 2 of 26 use "Once upon a time" (TinyStories: 59%).
constexpr const char* kOpening[] = {
    "Once upon a time, there was a [little|young|happy] {kid} named {A}.",
    "Once upon a time, in a [small|quiet|sunny] town, there lived a {kid} called {A}.",
    "There was once a [little|young|cheerful] {kid} named {A}.",
    ("{A} was a [little|young|happy|busy] {kid} who lived [near the sea|in a small town|on a big farm|in a "
    "house by the woods|in a busy city|at the end of a long road]."),
    "In a [small|quiet|little] village, there lived a {kid} named {A}.",
    ("Not long ago, a {kid} named {A} lived [with {his} mom and dad|with {his} grandma|in a blue house|in "
    "a yellow house][ near the park| by a big hill| next to a river|]."),
    "Every morning, {A} woke up [early|with a big smile|before the sun came up].",
    "{A} was [four|five|six] years old, and {he} [was always busy|had a big smile|was full of ideas].",
    "One [sunny|cold|warm|quiet|bright] morning, {A} jumped out of bed.",
    "In a [little|green|quiet] village by the sea, there lived a {kid} named {A}.",
    "This is a story about a {kid} named {A}.",
    ("{A} lived in a [small|little|yellow|white] house [with a red door|next to a big tree|on top of a "
    "hill]."),
    ("On a [bright|warm|cold|windy] day, a {kid} named {A} [went outside to play|looked out of the "
    "window|sat on the steps]."),
    "Far away, [on a hill|by a river|near a forest], there was a small house where {A} lived.",
    "{A} was a {kid} with [a big smile|a red hat|a blue coat|long hair].",
    "Have you ever met a {kid} named {A}?",
    "In a house [near the park|by the sea|at the top of a hill], there lived a {kid} named {A}.",
    ("It was [early in the morning|a quiet afternoon|the first day of summer|a warm spring day], and {A} "
    "was [bored|ready to play|up early]."),
    "Every day after lunch, {A} liked to sit by the window.",
    ("{A} and {his} [mom|dad|grandma|grandpa] lived in a [little|cozy|small] house [by the sea|near a big "
    "forest|in a busy town]."),
    ("When {A} woke up that morning, the sun was [shining|warm|bright][ and the birds were singing| over "
    "the hills|]."),
    ("There once lived a [happy|little|curious] {kid} named {A}, who [had a big smile|loved the rain|was "
    "never bored]."),
    "{A} was a [little|young] {kid}, and {he} lived [in a small town|on a farm|by the sea|near the woods].",
    "Not far from the [sea|woods|big hill], there was a {kid} named {A}.",
    "{A} had [two|three] cats, a big yard and [lots of|many] toys.",
    "The day started like any other day for {A}.",
};
constexpr const char* kVerbIntr[] = {
    "{He} loved to {V} more than anything.",
    "{A}'s favorite thing to do was to {V}.",
    "Every day, {he} would {V} [with {his} friends|in the yard|after lunch|before dinner].",
    "More than anything, {A} liked to {V}.",
    "{He} could {V} all day long.",
    "{A} was always happy when {he} could {V}.",
    "{A} wanted to {V} [every day|all the time|as much as {he} could].",
    "{His} {parent} said that {he} was very good at it when {he} tried to {V}.",
    "Whenever {he} had time, {A} liked to {V}.",
};
constexpr const char* kVerbTr[] = {
    "{He} loved to {V} things.",
    "{A} liked to {V} [lots of|many] things.",
    "More than anything, {A} wanted to {V} something new.",
    "{He} was always ready to {V} something.",
    "Every day, {A} tried to {V} something [new|different|big].",
    "{A} knew how to {V} things, because {his} [mom|dad|grandma] had shown {him}.",
    "{His} {parent} always said {he} was very good at it when {he} tried to {V} things.",
};
constexpr const char* kVerbWatch[] = {
    "{He} loved to watch things {V}.",
    "{A} could sit for a long time and watch things {V}.",
    "It made {A} laugh to see things {V}.",
    "{A} liked to watch things {V}, and {he} always looked very close.",
};
constexpr const char* kVerbNoise[] = {
    "Every night, {A} heard something {V} [outside|near the window|in the garden].",
    "Sometimes, something would {V} outside {his} window.",
    "{A} liked to listen to the animals {V} [on the farm|in the woods|nearby].",
    "At night, {A} could hear something {V} far away.",
};
constexpr const char* kVerbPastIntr[] = {
    "Then {A} and {B} {Vd} [together|for a long time|until they were tired].",
    "After that, they {Vd} [together|all afternoon|for a while].",
    "{A} {Vd}, and {B} {Vd} too.",
};
constexpr const char* kFriend[] = {
    "{His} best friend was {B}, who lived [next door|down the street|across the road].",
    "{A} had a good friend named {B}.",
    "{A} often played with {his} friend {B}.",
    "{B}, a {bkid} from [school|next door|down the road], was {his} best friend.",
    "{A} and {B} had been friends for a long time.",
};
constexpr const char* kAdjWeather[] = {
    "It was {aJ} day[, and {A} wanted to go outside|, and everything smelled fresh|].",
    "Outside, it was {J} [all morning|all day|again].",
    "The day was {J}, but {A} still wanted to play outside.",
};
constexpr const char* kAdjPerson[] = {
    "{A} was a very {J} {kid}.",
    "Everyone knew that {A} was {J}.",
    "{His} {parent} often said that {he} was a {J} {kid}.",
    "{A} was {J}, and {he} did not try to hide it.",
};
constexpr const char* kAdjFeel[] = {
    "{A} felt {J}.",
    "{A} felt very {J} [that day|all morning|inside].",
    "All of this made {A} feel {J}.",
    "{A} was {J}, so {he} [sat down for a bit|went to find {his} {parent}|held {his} teddy close].",
    "For a little while, {A} felt [a bit|very] {J}.",
};
constexpr const char* kAdjTaste[] = {
    "For a snack, {his} {parent} gave them some {J} {food}.",
    "They stopped to eat some {J} {food} [that {his} {parent} had packed|from a basket].",
    "{B} had a bag of {J} {food}, and {bhe} shared them with {A}.",
};
constexpr const char* kForeSetup[] = {
    "Before {A} went out, {his} grandma gave {him} {aF} and told {him} to keep it [close|safe|with {him}].",
    "{A} put {aF} in {his} bag, because you never know.",
    "{His} {parent} always said that {aF} can help when you need it most, so {A} took one along.",
    ("That morning, {A} found {aF} in a box and put it in {his} [pocket|bag]. {He} did not know yet how "
    "much {he} would need it."),
    "{A} never went anywhere without {aF}, and {his} friends thought it was funny.",
};
constexpr const char* kForeSetupTalk[] = {
    ("Before {A} went out, {his} grandma gave {him} {aF}. \"Keep it with you,\" she said. \"One day you "
    "will need it.\""),
    "{Parent} put {aF} in {A}'s bag. \"You may need it,\" {he} heard {parent} say.",
};
constexpr const char* kForeBad[] = {
    "It got dark and cold. {A} remembered the {F}, but {he} had left it at home.",
    "{A} remembered the {F} [far too late|only when it was too late], and by then nothing could help.",
    "{A} reached for the {F}, and then {he} remembered the {F} was still on the table at home.",
};

constexpr const char* kIncitePrize[] = {
    "One day, {his} [grandma|grandpa|aunt|uncle] gave {him} {aT}.",
    "On {his} birthday, {A} got {aT} [as a gift|from {his} mom and dad].",
    "One morning, {A} found {aT} [in a box|by the door|in the yard|next to the house].",
    "When {A} [came home|woke up] one day, there was {aT} [on the table|by the door|next to {his} bed].",
    "One afternoon, {A}'s {parent} came home with {aT}.",
    "At the market, {A} saw {aT}, and {his} {parent} bought it for {him}.",
};
constexpr const char* kIncitePal[] = {
    "One day, {A} met {aC} [in the park|near the pond|behind the house|on the way home].",
    "While {A} was playing [outside|in the yard|near the woods], {he} saw {aC}.",
    "One morning, {aC} came to {A}'s [door|window|yard].",
    "On the way to the park, {A} and {B} saw {aC} [sitting under a tree|by the road|near a big rock].",
    "One [cold|warm|sunny] afternoon, {A} found {aC} [all alone|looking lost] by the fence.",
};
constexpr const char* kIncitePlace[] = {
    "One day, {A} and {his} {parent} went to {theP}.",
    "One [warm|sunny|bright] morning, {A}'s family went to {theP}.",
    "{A} had always wanted to go to {theP}, and today was the day.",
    "After breakfast, {A} and {B} walked to {theP}.",
    "It was a special day, because {A} was going to {theP} for the first time.",
};
constexpr const char* kAfterPrize[] = {
    "{A} [loved it|could not stop looking at it|held it close|was so happy].",
    "{He} showed it to {B}, and [{bhe} thought it was great|{bhe} smiled|they both laughed].",
    "It was the [nicest|best] thing {A} had ever [seen|had].",
};
constexpr const char* kAfterPal[] = {
    "The {C} looked at {A}[ and smiled| with big eyes|].",
    "{A} waved, and the {C} came closer.",
    "{A} sat down next to the {C}, and soon they were friends.",
};
constexpr const char* kAfterPlace[] = {
    "There was so much to see.",
    "{A} looked around with big eyes.",
    "{A} [ran|walked|skipped] ahead, [happy|excited] to be there.",
};
constexpr const char* kTalkPrize[] = {
    "\"[Wow|Look|Oh], [this is the best {T} ever|I love my new {T}]!\" said {A}.",
    "\"Can I [hold|see] it too?\" asked {B}. \"Yes, you can,\" said {A}.",
    "\"Where did you get it?\" asked {B}. \"It was a gift,\" said {A} with a smile.",
};
constexpr const char* kTalkPal[] = {
    "\"Hello, {C}!\" said {A}. \"Do you want to be my friend?\"",
    "\"What is your name?\" asked {A}. The {C} just [smiled|looked at {him}].",
    "\"Look, {B}!\" said {A}. \"A {C}!\"",
};
constexpr const char* kTalkPlace[] = {
    "\"Can we stay here all day?\" asked {A}.",
    "\"Look at this place!\" said {A}. \"It is so big!\"",
    "\"Come on, {B}!\" said {A}. \"Let's go and see!\"",
};
constexpr const char* kActPrize[] = {
    "{A} and {B} played with the {T} [all day|all afternoon|until dinner].",
    "{A} took the {T} everywhere {he} went.",
    "{He} showed the {T} to everyone [at school|in the park|on {his} street].",
    "Every day, {A} [took good care of|looked after] the {T}.",
    "They took the {T} to the park and played with it [for hours|in the sun|by the pond].",
};
constexpr const char* kActPal[] = {
    "{A} and the {C} played [all day|together in the sun|until the sun went down].",
    "The {C} followed {A} everywhere.",
    "{A} gave the {C} some [water|food|bread], and the {C} [was very happy|ate it all].",
    "{B} came to play too, and the three of them [ran|laughed|played] together.",
    "Every day after that, {A} went to see the {C}.",
};
constexpr const char* kActPlace[] = {
    "They [walked|ran] around {inP} and saw [many|lots of] things.",
    "{A} and {B} played a [fun|long|silly] game {inP}.",
    "There were [birds|flowers|trees|big rocks] everywhere.",
    "They had lunch under a [big|tall|green] tree {inP}.",
    "{A} found a [shiny|round|smooth] stone {inP} and kept it.",
};
constexpr const char* kHome[] = {
    "{His} house had a [big yard|small garden|red door|little window], and {he} liked to play there.",
    "{A} liked [cookies|warm milk|bright colors|cake] and [songs|books|games].",
    "{He} had a [little brother|big sister|fluffy cat|old dog] at home.",
    "{His} [mom|dad] worked at a [shop|school|farm|bakery] nearby.",
    "Every evening, {his} [grandma|dad|mom] read {him} a story before bed.",
    "{A} had [a red bike|a box of crayons|a toy car|a small drum] that {he} used every day.",
    "{His} room was [small|messy|bright], with [books|toys|pictures] everywhere.",
};
constexpr const char* kActMore[] = {
    "They laughed and ran [around|in circles|up and down the hill] until they were tired.",
    "{A} was having so much fun.",
    "{B} told a [funny|silly] joke, and they both laughed.",
    "They sat [on a bench|under a tree|on the grass] to rest for a bit.",
    "The time went by [so fast|very fast].",
    "[After a while|Later], {his} {parent} brought them some [water|juice|milk].",
};
constexpr const char* kActFood[] = {
    "{A} and {B} sat down to have the {T} together.",
    "{A} shared the {T} with {B}, and they had it [slowly|in the sun|under a tree].",
    "It smelled so good that {A} wanted to have it all at once.",
};
constexpr const char* kHappyFood[] = {
    "It was the best {T} {A} had ever had, and {he} was very happy.",
    "When they had finished it, {A} smiled and rubbed {his} tummy.",
};
constexpr const char* kSadFood[] = {
    "But then {A} dropped the {T} in the mud. Now it was gone, and there was no more.",
    "Then a big bird came down, took the {T} and flew away. {A} never got it back.",
};
constexpr const char* kSideBody[] = {
    "Later, {A} drew a [funny|big|nice] picture of {aN}[ for {B}| on a piece of paper|].",
    "At home, {A} painted a [funny|big|colorful] picture of {aN}.",
};
constexpr const char* kSideWeather[] = {
    "They [looked up at|watched] the {N} [for a while|from the window|for a long time].",
    "{A} pointed at the {N} and [laughed|smiled].",
    "{B} said {bhe} liked the {N}, and {A} liked it too.",
};
constexpr const char* kSideTime[] = {
    "That {N}, {A} [had lots of fun|did not want to go inside|played until dinner].",
    "It was a {N} that {A} would not forget.",
};
constexpr const char* kSideAbstract[] = {
    "{A} told {B} about the {N}, and {bhe} listened.",
    "{A} thought about the {N} [for a long time|all day|on the way home].",
    "On the way, {B} asked {A} about the {N}.",
};
constexpr const char* kSideGround[] = {
    "They played in the {N} [for a long time|all afternoon|until dinner].",
    "{A} put {his} hands in the {N} and laughed.",
    "Near the house, there was [lots of|some] {N}, and {A} jumped right in.",
};
constexpr const char* kFiller[] = {
    "The sun was warm, and the birds sang.",
    "A soft wind moved the leaves.",
    "The grass was green and soft.",
    "{A} could hear the birds [singing|in the trees].",
    "The sky was blue, with a few white clouds.",
    "A little bird sat on a branch and watched them.",
    "Somewhere, a dog was [playing|running] in the grass.",
    "It was quiet, and everything looked [bright|green|new].",
};
constexpr const char* kConflictPrize[] = {
    "But {B} wanted the {T} too, and {A} did not want to share. They began to argue.",
    "Soon {A} and {B} both wanted to hold the {T} at once. They argued and pulled.",
    "Then {B} took the {T} without asking, and the two friends began to fight over it.",
};
constexpr const char* kConflictPal[] = {
    ("But {B} wanted the {C} to come home with {bhim}, and {A} wanted it too. The two friends began to "
    "argue."),
    "{B} did not like the {C} at all, and {A} and {B} began to fight about it.",
    "Then {A} and {B} both wanted to play with the {C} first, and they argued [loudly|for a long time].",
};
constexpr const char* kConflictPlace[] = {
    "But {B} wanted to go home, and {A} wanted to stay. They argued for a long time.",
    ("Soon {A} and {B} could not agree on what to play. {B} wanted to [run|swim|climb], but {A} wanted to "
    "[rest|sit|build]. They began to argue."),
    "Then {A} and {B} began to fight over who could go first.",
};
constexpr const char* kConflictTalk[] = {
    "\"It is mine!\" said {A}. \"No, it is mine!\" said {B}.",
    "\"You never let me [go|play] first!\" said {B}. \"I did too!\" said {A}.",
};
constexpr const char* kMakeUp[] = {
    "In the end, {A} said sorry, and they [took turns|shared].",
    "After a while, they stopped arguing and gave each other a big hug.",
    "Then {A} had an idea: they could take turns. {B} agreed, and they were friends again.",
};
constexpr const char* kTwistOpen[] = {
    "But then, something very strange happened.",
    "Then something strange happened.",
    "And then came the strangest thing of all.",
};
constexpr const char* kTwistPrize[] = {
    "To everyone's surprise, the {T} began to talk!",
    "To {A}'s great surprise, inside the {T} there was a tiny [mouse|bird|note].",
    "To {A}'s surprise, the {T} was magic, and it began to shine.",
};
constexpr const char* kTwistPal[] = {
    "To everyone's surprise, the {C} began to talk!",
    "To everyone's surprise, the {C} could fly!",
    "To {A}'s surprise, the {C} was not alone. It had [three|four] little babies.",
};
constexpr const char* kTwistPlace[] = {
    "To everyone's surprise, there was a secret door behind a big tree.",
    "To {A}'s surprise, under a big rock was a box full of gold coins.",
    "To their surprise, a friendly dragon lived {inP}.",
};
constexpr const char* kHappyPrize[] = {
    "{A} kept the {T} [safe|close] for a long time, and {he} played with it every day.",
    "At the end of the day, {A} put the {T} next to {his} bed and went to sleep with a smile.",
    "From then on, the {T} was {A}'s favorite thing, and {he} was very happy.",
};
constexpr const char* kHappyPal[] = {
    "From then on, {A} and the {C} were best friends.",
    "The {C} came to visit {A} every day after that, and they always had fun.",
    "When it was time to go home, the {C} [waved|smiled], and {A} smiled back. {He} was so happy.",
};
constexpr const char* kHappyPlace[] = {
    "When it was time to go home, {A} was tired but happy.",
    "It was the best day ever, and {A} wanted to come back [soon|the next day|every week].",
    "On the way home, {A} smiled and thought about the fun they had {inP}.",
};
constexpr const char* kHappyClose[] = {
    "That night, {A} went to bed with a big smile.",
    "It was a [wonderful|great|happy] day.",
    "{A} hugged {his} {parent} and laughed.",
    "Everyone was happy, and they had lots of fun together.",
};
constexpr const char* kHappyTalk[] = {
    "\"This is the best day ever!\" said {A}.",
    "\"Thank you,\" said {A}, and {he} gave {B} a big hug.",
    "\"Can we do this again tomorrow?\" asked {B}. \"Yes!\" said {A}.",
};
constexpr const char* kSadPrize[] = {
    ("But then the {T} fell [into the river|off the table|down the hill] and broke into pieces. {A} cried. "
    "The {T} was gone, and it could never be fixed."),
    "On the way home, {A} lost the {T}. {He} looked everywhere, but {he} never found it again.",
    "Then a big dog ran by, took the {T} and ran away with it. {A} never saw the {T} again.",
};
constexpr const char* kSadPal[] = {
    ("One day, the {C} went away and never came back. {A} waited by the window every day, but the {C} "
    "was gone."),
    "Then the {C} ran off into the woods. {A} called and called, but it never came back.",
    "The next morning, the {C} was gone. {A} looked everywhere, but {he} never saw it again.",
};
constexpr const char* kSadPlace[] = {
    ("Then a big storm came, and everyone had to run home. {A} lost {his} [hat|shoe|bag] on the way, and "
    "it was never found."),
    ("When they got home, {A} saw that {his} [bag|hat|coat] was gone. {He} had left it {inP}, and {he} "
    "never saw it again."),
    ("Then {A} fell and hurt {his} [knee|leg|arm]. They had to go home right away, and {A} cried all the "
    "way."),
};
constexpr const char* kSadConflictPrize[] = {
    "They pulled so hard that the {T} broke into two pieces. Now nobody could play with it.",
    "{B} pulled, and {A} pulled, and then the {T} broke. It could never be fixed.",
};
constexpr const char* kSadClose[] = {
    "{A} went to bed very sad that night.",
    "{A} sat alone and cried for a long time.",
    "Nothing felt right after that, and {A} was sad for a long time.",
    "That night, {A} did not want to eat, and {he} went to bed sad.",
};
constexpr const char* kSadTalk[] = {
    "\"I miss it so much,\" {A} said [quietly|sadly].",
    "\"Why did this happen?\" {A} cried.",
    "\"It is all gone,\" said {A}, and {he} began to cry.",
};
constexpr const char* kMoralShare[] = {
    "{A} learned that sharing is [better than fighting|more fun than keeping things to yourself].",
    "That day, {A} and {B} learned that good friends [share|take turns].",
    "The lesson is that friends should share and not fight.",
};
constexpr const char* kMoralCareful[] = {
    "{A} learned that we must take good care of the things we love.",
    "The lesson is that it is important to be careful.",
    "{A} learned that things can be lost very fast, so we should [love|enjoy] them while we can.",
};
constexpr const char* kMoralGeneral[] = {
    "{A} learned that [being kind|helping your friends|being brave] is always a good thing.",
    ("The lesson of the story is simple: [always be kind|be brave and try new things|a good friend is "
    "better than any toy]."),
    "That day, {A} learned that it is good to [be kind to everyone|try new things|listen to {his} {parent}].",
    "{A} learned that a little help can make someone happy.",
};
// The near-duplicate noise kind: one fixed story with only the required words swapped.
constexpr const char* kNearDuplicate[] = {
    ("Once there was a little girl named {A}. She lived in a small house with her mom and dad. Every day, "
    "she liked to play in the yard with her dog.\n\nOne day, {A} saw {aN} near the big tree. It was very "
    "{J}. {A} wanted to {V} with it, so she ran to get her mom.\n\nHer mom came outside and looked at the "
    "{N}. She said that it was a good thing to find. {A} was so happy that she jumped up and down.\n\n"
    "That night, {A} went to bed and thought about the {J} {N}. She wanted to {V} again the next day. "
    "It was the best day ever."),
};

}  // namespace text

struct BankSource {
  const char* const* items;
  size_t count;
};
#define PRIMER_BANK_SOURCE(name) BankSource{text::k##name, std::size(text::k##name)},
constexpr BankSource kBankSources[kBankCount] = {PRIMER_BANKS(PRIMER_BANK_SOURCE)};
#undef PRIMER_BANK_SOURCE

// clang-format on
}  // namespace primer::generators::story_banks
