#include "pmap/api/state_snapshot.hpp"

namespace pmap::api {

void StateSnapshot::update(std::string_view mat_id, std::string payload) {
  auto doc = std::make_shared<const std::string>(std::move(payload));
  const std::lock_guard lock(mutex_);
  auto it = states_.find(mat_id);
  if (it == states_.end()) {
    states_.emplace(std::string(mat_id), std::move(doc));
  } else {
    it->second = std::move(doc);
  }
}

std::shared_ptr<const std::string> StateSnapshot::get(std::string_view mat_id) const {
  const std::lock_guard lock(mutex_);
  const auto it = states_.find(mat_id);
  return it == states_.end() ? nullptr : it->second;
}

std::map<std::string, std::shared_ptr<const std::string>> StateSnapshot::all() const {
  const std::lock_guard lock(mutex_);
  return {states_.begin(), states_.end()};
}

std::size_t StateSnapshot::size() const {
  const std::lock_guard lock(mutex_);
  return states_.size();
}

}  // namespace pmap::api
