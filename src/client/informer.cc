#include "client/informer.h"

#include <nlohmann/json.hpp>
#include <random>
#include <utility>

#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"

namespace k1s::client {
namespace {

using nlohmann::json;

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("informer");
  return *logger;
}

std::string StringAt(const json& object, const char* section, const char* field) {
  auto outer = object.find(section);
  if (outer == object.end() || !outer->is_object()) return "";
  auto inner = outer->find(field);
  return inner != outer->end() && inner->is_string() ? inner->get<std::string>() : "";
}

std::string ResourceVersionOf(const json& object) {
  return StringAt(object, "metadata", "resourceVersion");
}

std::vector<std::string> NamespaceOf(const json& object) {
  return {StringAt(object, "metadata", "namespace")};
}

// How long one watch stays open before it is renewed, spread like client-go's (5-10 minutes).
int64_t WatchTimeoutSeconds() {
  thread_local std::mt19937 random(std::random_device{}());
  return std::uniform_int_distribution<int64_t>(300, 600)(random);
}

}  // namespace

IndexFunc IndexByOwnerUid() {
  return [](const json& object) {
    std::vector<std::string> uids;
    const json& metadata = object.contains("metadata") ? object["metadata"] : json();
    if (!metadata.is_object() || !metadata.contains("ownerReferences")) return uids;
    const json& owners = metadata["ownerReferences"];
    if (!owners.is_array()) return uids;
    for (const json& owner : owners) {
      if (owner.is_object() && owner.value("uid", "") != "") uids.push_back(owner["uid"]);
    }
    return uids;
  };
}

IndexFunc IndexByControllerUid() {
  return [](const json& object) {
    std::vector<std::string> uids;
    const json& metadata = object.contains("metadata") ? object["metadata"] : json();
    if (!metadata.is_object() || !metadata.contains("ownerReferences")) return uids;
    const json& owners = metadata["ownerReferences"];
    if (!owners.is_array()) return uids;
    for (const json& owner : owners) {
      if (owner.is_object() && owner.value("controller", false) && owner.value("uid", "") != "") {
        uids.push_back(owner["uid"]);
      }
    }
    return uids;
  };
}

IndexFunc IndexByNodeName() {
  return [](const json& object) {
    std::string node = StringAt(object, "spec", "nodeName");
    return node.empty() ? std::vector<std::string>{} : std::vector<std::string>{node};
  };
}

std::string ObjectKey(std::string_view namespace_name, std::string_view name) {
  return namespace_name.empty() ? std::string(name) : base::StrCat(namespace_name, "/", name);
}

std::string ObjectKey(const json& object) {
  return ObjectKey(StringAt(object, "metadata", "namespace"), StringAt(object, "metadata", "name"));
}

std::pair<std::string, std::string> SplitObjectKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

Informer::Informer(Client client, Resource resource, InformerOptions options)
    : client_(std::move(client)), resource_(std::move(resource)), options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  indexes_[std::string(kNamespaceIndex)].func = NamespaceOf;
}

Informer::~Informer() { Stop(); }

void Informer::AddIndex(std::string name, IndexFunc func) {
  absl::MutexLock lock(&mu_);
  Index& index = indexes_[name];
  index.func = std::move(func);
  index.keys_by_value.clear();
  for (const auto& [key, object] : objects_) {
    for (std::string& value : index.func(*object)) index.keys_by_value[value].insert(key);
  }
}

void Informer::AddHandler(EventHandler handler) {
  auto shared = std::make_shared<EventHandler>(std::move(handler));
  absl::MutexLock lock(&mu_);
  if (synced_) {
    late_handlers_.push_back(std::move(shared));
  } else {
    handlers_.push_back(std::move(shared));
  }
}

absl::Status Informer::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return absl::OkStatus();
  stopping_ = false;
  thread_ = std::thread([this] {
    base::SetCurrentThreadName(base::StrCat("inf-", resource_.plural).substr(0, 15));
    Run();
  });
  return absl::OkStatus();
}

void Informer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (watch_ != nullptr) watch_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool Informer::HasSynced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

absl::Status Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  absl::MutexLock lock(&mu_);
  auto synced = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return synced_; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&synced), absl::FromChrono(timeout))) {
    return absl::DeadlineExceededError(
        base::StrCat("informer for ", resource_.plural, " did not sync"));
  }
  return absl::OkStatus();
}

ObjectPtr Informer::Get(std::string_view namespace_name, std::string_view name) const {
  return GetByKey(ObjectKey(resource_.namespaced ? namespace_name : "", name));
}

ObjectPtr Informer::GetByKey(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(std::string(key));
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::List(std::string_view namespace_name) const {
  if (!namespace_name.empty() && resource_.namespaced) {
    return ByIndex(kNamespaceIndex, namespace_name);
  }
  absl::MutexLock lock(&mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<ObjectPtr> Informer::List(std::string_view namespace_name,
                                      const api::LabelSelector& selector) const {
  std::vector<ObjectPtr> out;
  for (ObjectPtr& object : List(namespace_name)) {
    const json& metadata = (*object)["metadata"];
    static const json kNoLabels = json::object();
    const json& labels = metadata.contains("labels") ? metadata["labels"] : kNoLabels;
    if (selector.Matches(labels)) out.push_back(std::move(object));
  }
  return out;
}

std::vector<ObjectPtr> Informer::ByIndex(std::string_view index, std::string_view value) const {
  absl::MutexLock lock(&mu_);
  std::vector<ObjectPtr> out;
  auto found = indexes_.find(index);
  if (found == indexes_.end()) return out;
  auto keys = found->second.keys_by_value.find(std::string(value));
  if (keys == found->second.keys_by_value.end()) return out;
  out.reserve(keys->second.size());
  for (const std::string& key : keys->second) {
    auto it = objects_.find(key);
    if (it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

size_t Informer::Size() const {
  absl::MutexLock lock(&mu_);
  return objects_.size();
}

std::string Informer::ResourceVersion() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

void Informer::IndexObject(const std::string& key, const json& object, bool add) {
  for (auto& [name, index] : indexes_) {
    for (std::string& value : index.func(object)) {
      if (add) {
        index.keys_by_value[value].insert(key);
        continue;
      }
      auto it = index.keys_by_value.find(value);
      if (it == index.keys_by_value.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.keys_by_value.erase(it);
    }
  }
}

ObjectPtr Informer::Put(const std::string& key, ObjectPtr object) {
  ObjectPtr previous = Erase(key);
  IndexObject(key, *object, /*add=*/true);
  objects_[key] = std::move(object);
  return previous;
}

ObjectPtr Informer::Erase(const std::string& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = std::move(it->second);
  objects_.erase(it);
  IndexObject(key, *previous, /*add=*/false);
  return previous;
}

void Informer::Notify(const ObjectPtr& old_object, const ObjectPtr& new_object) {
  std::vector<std::shared_ptr<EventHandler>> handlers;
  {
    absl::MutexLock lock(&mu_);
    handlers = handlers_;
  }
  for (const auto& handler : handlers) {
    if (old_object == nullptr) {
      if (handler->on_add) handler->on_add(new_object);
    } else if (new_object == nullptr) {
      if (handler->on_delete) handler->on_delete(old_object);
    } else if (handler->on_update) {
      handler->on_update(old_object, new_object);
    }
  }
}

void Informer::Trim(json& object) const {
  if (options_.keep_managed_fields) return;
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) metadata->erase("managedFields");
}

absl::Status Informer::Relist() {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  absl::StatusOr<json> list = client_.List(resource_, options_.namespace_name, list_options);
  if (!list.ok()) return list.status();
  std::unordered_map<std::string, ObjectPtr> listed;
  if (list->contains("items") && (*list)["items"].is_array()) {
    for (json& item : (*list)["items"]) {
      Trim(item);
      std::string key = ObjectKey(item);
      listed.emplace(std::move(key), std::make_shared<const json>(std::move(item)));
    }
  }
  // Apply the difference, then tell handlers: adds and updates first, deletions last.
  std::vector<std::pair<ObjectPtr, ObjectPtr>> changes;
  {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> gone;
    for (const auto& [key, object] : objects_) {
      if (!listed.contains(key)) gone.push_back(key);
    }
    for (auto& [key, object] : listed) {
      auto it = objects_.find(key);
      if (it != objects_.end() && ResourceVersionOf(*it->second) == ResourceVersionOf(*object)) {
        continue;
      }
      ObjectPtr previous = Put(key, object);
      changes.emplace_back(std::move(previous), object);
    }
    for (const std::string& key : gone) changes.emplace_back(Erase(key), nullptr);
    resource_version_ = StringAt(*list, "metadata", "resourceVersion");
  }
  for (const auto& [old_object, new_object] : changes) Notify(old_object, new_object);
  absl::MutexLock lock(&mu_);
  synced_ = true;
  return absl::OkStatus();
}

absl::Status Informer::ApplyEvent(const std::string& line) {
  json event = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object() || !event.contains("object") || !event["object"].is_object()) {
    return absl::InternalError(base::StrCat("watch ", resource_.plural, ": malformed event"));
  }
  const std::string type = event.value("type", "");
  json& object = event["object"];
  if (type == "ERROR") {
    return api::StatusFromHttp(object.value("code", 500), object.dump());
  }
  const std::string version = ResourceVersionOf(object);
  if (type == "BOOKMARK") {
    absl::MutexLock lock(&mu_);
    if (!version.empty()) resource_version_ = version;
    return absl::OkStatus();
  }
  Trim(object);
  const std::string key = ObjectKey(object);
  ObjectPtr previous;
  ObjectPtr current;
  {
    absl::MutexLock lock(&mu_);
    if (type == "DELETED") {
      previous = Erase(key);
      if (previous == nullptr) previous = std::make_shared<const json>(std::move(object));
    } else {
      current = std::make_shared<const json>(std::move(object));
      previous = Put(key, current);
    }
    if (!version.empty()) resource_version_ = version;
  }
  Notify(previous, current);
  return absl::OkStatus();
}

void Informer::Resync() {
  for (const ObjectPtr& object : List()) Notify(object, object);
}

absl::Status Informer::ListAndWatch() {
  bool need_list = false;
  {
    absl::MutexLock lock(&mu_);
    need_list = resource_version_.empty();
  }
  if (need_list) {
    if (absl::Status listed = Relist(); !listed.ok()) return listed;
  }
  ListOptions watch_options;
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  watch_options.resource_version = ResourceVersion();
  watch_options.allow_bookmarks = true;
  watch_options.timeout_seconds = WatchTimeoutSeconds();
  absl::StatusOr<std::unique_ptr<WatchStream>> opened =
      client_.Watch(resource_, options_.namespace_name, watch_options);
  if (!opened.ok()) return opened.status();
  WatchStream* watch = opened->get();
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::OkStatus();
    watch_ = *std::move(opened);
  }
  auto next_resync = std::chrono::steady_clock::now() + options_.resync;
  absl::Status result;
  while (true) {
    std::vector<std::shared_ptr<EventHandler>> late;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      late.swap(late_handlers_);
      for (const auto& handler : late) handlers_.push_back(handler);
    }
    // A handler added after the first sync hears about every object already here.
    for (const auto& handler : late) {
      if (!handler->on_add) continue;
      for (const ObjectPtr& object : List()) handler->on_add(object);
    }
    absl::StatusOr<std::optional<std::string>> line = watch->Next(std::chrono::milliseconds(500));
    if (!line.ok()) {
      if (!absl::IsOutOfRange(line.status())) result = line.status();
      break;
    }
    if (line->has_value()) {
      if (absl::Status applied = ApplyEvent(**line); !applied.ok()) {
        result = applied;
        break;
      }
    }
    if (options_.resync.count() > 0 && std::chrono::steady_clock::now() >= next_resync) {
      Resync();
      next_resync = std::chrono::steady_clock::now() + options_.resync;
    }
  }
  std::unique_ptr<WatchStream> finished;
  {
    absl::MutexLock lock(&mu_);
    finished = std::move(watch_);
  }
  return result;
}

void Informer::Run() {
  std::chrono::milliseconds delay = options_.retry_delay;
  while (true) {
    absl::Status status = ListAndWatch();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (status.ok()) {
      delay = options_.retry_delay;
      continue;
    }
    if (absl::IsOutOfRange(status)) {
      // 410 Expired: the revision we follow was compacted away. List again from scratch.
      Log().info("{}: watch expired, relisting", resource_.plural);
      resource_version_.clear();
      continue;
    }
    Log().warn("{}: list/watch failed: {}; retrying in {} ms", resource_.plural,
               status.message(), delay.count());
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::FromChrono(delay))) return;
    delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(30));
  }
}

InformerFactory::InformerFactory(Client client, std::chrono::milliseconds resync)
    : client_(std::move(client)), resync_(resync) {}

InformerFactory::~InformerFactory() { Stop(); }

Informer& InformerFactory::For(const Resource& resource) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Informer>& informer =
      informers_[base::StrCat(resource.group, "/", resource.version, "/", resource.plural)];
  if (informer == nullptr) {
    InformerOptions options;
    options.resync = resync_;
    informer = std::make_unique<Informer>(client_, resource, options);
  }
  return *informer;
}

absl::Status InformerFactory::Start() {
  absl::MutexLock lock(&mu_);
  for (auto& [name, informer] : informers_) {
    if (absl::Status started = informer->Start(); !started.ok()) return started;
  }
  return absl::OkStatus();
}

absl::Status InformerFactory::WaitForSync(std::chrono::milliseconds timeout) {
  std::vector<Informer*> informers;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, informer] : informers_) informers.push_back(informer.get());
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (Informer* informer : informers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (absl::Status synced = informer->WaitForSync(std::max(left, std::chrono::milliseconds(0)));
        !synced.ok()) {
      return synced;
    }
  }
  return absl::OkStatus();
}

void InformerFactory::Stop() {
  absl::MutexLock lock(&mu_);
  for (auto& [name, informer] : informers_) informer->Stop();
}

}  // namespace k1s::client
