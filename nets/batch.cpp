// nets/batch.cpp — see batch.h.
#include "nets/batch.h"

#include "engine/error.h"

namespace mcseg {

void upload(const Batch& b, Device d, Tensor& x, Tensor& y) {
    if (b.size <= 0 || b.x.size() != size_t(b.size) * b.patch * b.patch || b.y.size() != size_t(b.size))
        fail("batch: inconsistent sizes (n ", b.size, ", patch ", b.patch, ", ", b.x.size(), " pixels, ",
             b.y.size(), " labels)");
    x = Tensor::from_host({b.size, 1, b.patch, b.patch}, b.x, d);
    y = Tensor::from_host({b.size}, b.y, d);
}

}  // namespace mcseg
