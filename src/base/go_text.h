#pragma once
// Text formatting that reproduces what upstream's Go code prints, so messages built here are
// byte-identical with kube-apiserver's: strconv.Quote (fmt's %q) for strings and string slices,
// and the text of an aggregated error (k8s.io/apimachinery/pkg/util/errors). Pure functions;
// thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace k1s::base {

// strconv.Quote / fmt.Sprintf("%q", s): double-quoted with Go escapes (\" \\ \n \x01 \u2028
// ...); printable UTF-8 kept as is, invalid bytes as \xNN.
std::string GoQuote(std::string_view text);

// fmt.Sprintf("%q", []string{...}): ["a" "b"], [] when empty.
std::string GoQuoteList(const std::vector<std::string>& items);

// utilerrors.NewAggregate(errs).Error(): the one message, or "[a, b]" with duplicates dropped.
std::string AggregateErrorText(const std::vector<std::string>& messages);

}  // namespace k1s::base
