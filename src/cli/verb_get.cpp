// `kubetwin get KIND[,KIND] [NAME] [-n NS|-A] [-l SEL] [-o wide|name|yaml|json]`.
#include <algorithm>
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/kubectl_get.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_get(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true},
                                            {"all-namespaces", 'A', false},
                                            {"selector", 'l', true},
                                            {"output", 'o', true},
                                            {"no-headers", 0, false},
                                            {"show-labels", 0, false}});
    if (args.positional.empty()) {
      throw UsageError(
          "you must specify the type of resource to get. Use \"kubetwin get all -n "
          "NS\" for the common types");
    }
    report::GetRequest req;
    std::string types = args.positional[0];
    size_t start = 0;
    while (start <= types.size()) {
      size_t comma = types.find(',', start);
      std::string t =
          types.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!t.empty()) req.types.push_back(t);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (args.positional.size() > 2) throw UsageError("get takes one KIND and at most one NAME");
    if (args.positional.size() == 2) req.name = args.positional[1];
    if (auto ns = args.value("namespace")) req.namespace_name = *ns;
    req.all_namespaces = args.has("all-namespaces");
    if (req.all_namespaces && req.name) {
      throw UsageError("a resource cannot be retrieved by name across all namespaces");
    }
    if (auto sel = args.value("selector")) {
      topology::LabelSelector s;
      if (!topology::parse_label_selector(*sel, s)) {
        throw UsageError("unable to parse requirement: invalid label selector \"" + *sel + "\"");
      }
      req.selector = s;
    }
    req.output = args.value("output").value_or("");
    if (!req.output.empty() && req.output != "wide" && req.output != "name" &&
        req.output != "yaml" && req.output != "json") {
      throw UsageError("unable to match a printer suitable for the output format \"" + req.output +
                       "\", allowed formats are: json,name,wide,yaml");
    }
    req.no_headers = args.has("no-headers");
    req.show_labels = args.has("show-labels");
    const bool events = std::any_of(req.types.begin(), req.types.end(), [](const std::string& t) {
      return t == "events" || t == "event" || t == "ev";
    });
    Twin twin = load_twin(state_path(args), events ? LiveMode::kAlways : LiveMode::kIfAdvanced);
    report::TwinView view{twin.state, twin.model, twin.live.get()};
    report::CommandOutput result = report::render_get(view, req);
    inv.out << result.out;
    inv.err << result.err;
    return result.exit_code;
  });
}

}  // namespace kubetwin::cli
