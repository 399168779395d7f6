// kind = "instruct": TinyStories-Instruct replies (prompts of ReplyShape::kInstruct)
// are split into the story and its summary (generators/instruct.h); the filters after it
// see the story alone, and the record's text becomes the Instruct format. Records of
// other kinds pass untouched. Put it first in the chain (the pipeline adds it there when
// an Instruct config does not list it).
//   drop "unparseable"  no story and summary could be read from the reply
#include "filters/kinds.h"
#include "generators/instruct.h"
#include "prompts/sampler.h"

namespace primer::filters {
namespace {

class InstructFilter final : public Filter {
 public:
  std::string_view name() const override { return "instruct"; }
  std::vector<std::string_view> reasons() const override { return {"unparseable"}; }
  Verdict check(const Doc& doc) const override {
    if (prompts::reply_shape(doc.prompt.kind) != prompts::ReplyShape::kInstruct || !doc.reply.summary.empty())
      return Verdict::Keep();
    return generators::parse_instruct_reply(doc.reply.text) ? Verdict::Keep() : Verdict::Drop("unparseable");
  }
  bool rewrites() const override { return true; }
  Verdict rewrite(Doc& doc) const override {
    if (prompts::reply_shape(doc.prompt.kind) != prompts::ReplyShape::kInstruct || !doc.reply.summary.empty())
      return Verdict::Keep();
    auto parts = generators::parse_instruct_reply(doc.reply.text);
    if (!parts) return Verdict::Drop("unparseable");
    doc.reply.text = std::move(parts->story);
    doc.reply.summary = std::move(parts->summary);
    return Verdict::Keep();
  }
};

}  // namespace

std::unique_ptr<Filter> make_instruct_filter(FilterSettings&, const FilterContext&) {
  return std::make_unique<InstructFilter>();
}

}  // namespace primer::filters
