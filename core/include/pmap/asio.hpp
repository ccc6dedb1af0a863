#pragma once
// The one way PostureMap code includes Boost.Asio.
//
// Boost 1.74's boost/asio/awaitable.hpp uses std::exchange without including <utility>; with
// GCC 12 in C++20 that fails to compile. Including <utility> first fixes it for every user.
#include <utility>

#include <boost/asio.hpp>
