// tests/layering/allowed.cpp — the control of the layering test: a file of the evaluation room
// includes what evaluation links (its own headers, segment's cluster rule, dataset, io); it must
// compile.
#include "apps/dataset/patch_db.h"
#include "apps/evaluation/froc.h"
#include "apps/io/image_folder.h"
#include "apps/segment/clusters.h"
