// Pending review cases for `fixtures generate --pending-cases M`: batch tests and benchmarks
// need many, spread over the three kinds, the customers and the last few business days.
#pragma once

#include "flows/context.h"

#include <cstdint>
#include <memory>

namespace kunlun {

class PendingCaseMaker {
public:
    PendingCaseMaker(Context& ctx, std::int64_t total, std::int64_t customers);
    ~PendingCaseMaker();
    PendingCaseMaker(const PendingCaseMaker&) = delete;
    PendingCaseMaker& operator=(const PendingCaseMaker&) = delete;

    // Makes the cases of `customer` (its index among the generated ones) and inserts them.
    void make_for(const CustomerRecord& customer, std::int64_t index);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace kunlun
