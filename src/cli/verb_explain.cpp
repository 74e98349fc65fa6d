// `kubetwin explain MODEL [--output text|markdown]`: the guided tour of a model
// (report/explain.hpp).
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/explain.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {
constexpr const char* kExplainUsage = "usage: kubetwin explain MODEL [--output text|markdown]";
}  // namespace

int verb_explain(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"output", 'o', true}, {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kExplainUsage << "\n";
      return static_cast<int>(kExitOk);
    }
    report::ExplainFormat format = report::ExplainFormat::kText;
    const std::string output = args.value("output").value_or("text");
    if (!report::parse_explain_format(output, format))
      throw UsageError("--output must be text or markdown, not \"" + output +
                       "\"\n  hint: " + kExplainUsage);
    if (args.positional.size() != 1)
      throw UsageError(std::string(args.positional.empty() ? "explain needs a MODEL"
                                                           : "explain takes one MODEL") +
                       "\n  hint: " + kExplainUsage +
                       " (e.g. kubetwin explain models/amazon-store)");
    const report::ExplainInput input = report::load_explain_input(args.positional.front());
    inv.out << report::render_explanation(report::explain(input), format);
    return static_cast<int>(kExitOk);
  });
}

}  // namespace kubetwin::cli
