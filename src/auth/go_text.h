#pragma once
// Text formatting that reproduces what upstream's Go code prints, so messages built here are
// byte-identical with kube-apiserver's: fmt's %q for strings and string slices, and the text of
// an aggregated error (k8s.io/apimachinery/pkg/util/errors). Pure functions; thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace k1s::auth {

// fmt.Sprintf("%q", s): double-quoted with Go escapes (\" \\ \n \t \x01 ...).
std::string GoQuote(std::string_view text);

// fmt.Sprintf("%q", []string{...}): ["a" "b"], [] when empty.
std::string GoQuoteList(const std::vector<std::string>& items);

// utilerrors.NewAggregate(errs).Error(): the one message, or "[a, b]" with duplicates dropped.
std::string AggregateErrorText(const std::vector<std::string>& messages);

}  // namespace k1s::auth
