// apps/train_data.cpp — see train_data.h.
#include "apps/train_data.h"

#include <sstream>

#include "engine/error.h"

namespace mcseg {

std::array<double, 5> parse_quota(const std::string& text) {
    std::array<double, 5> q{0, 0, 0, 0, 0};
    std::stringstream s(text);
    std::string item;
    int c = 1;
    while (std::getline(s, item, ',')) {
        if (c > 4) fail("quota '", text, "' has more than four entries (c1,c2,c3,c4)");
        try {
            size_t used = 0;
            q[c] = std::stod(item, &used);
            if (used != item.size() || q[c] < 0) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            fail("quota '", text, "': '", item, "' is not a non-negative number");
        }
        ++c;
    }
    if (c != 5) fail("quota '", text, "' needs four entries (c1,c2,c3,c4)");
    return q;
}

void SamplerSource::train_batch(int64_t step, int batch_size, Batch& out) {
    sampler_.seek(uint64_t(step));
    sampler_.next(out);
    if (out.size != batch_size) fail("sampler made a batch of ", out.size, ", expected ", batch_size);
}

}  // namespace mcseg
