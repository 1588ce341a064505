// apps/io/dicom.cpp — see dicom.h.
#include "apps/io/dicom.h"

#include <dcmtk/dcmdata/dctk.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/error.h"

namespace mcseg {

GrayImage read_dicom(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail("'", path, "': no such file");
    DcmFileFormat file;
    OFCondition st = file.loadFile(path.c_str());
    if (st.bad()) fail("'", path, "': not a readable DICOM file (", st.text(), ")");
    DcmDataset* ds = file.getDataset();

    DcmXfer xfer(ds->getOriginalXfer());
    if (xfer.isEncapsulated())
        fail("'", path, "': unsupported transfer syntax '", xfer.getXferName(),
             "' (only uncompressed DICOM is read; decompress it first, e.g. with dcmdjpeg)");

    auto get_u16 = [&](const DcmTagKey& tag, const char* what, Uint16 dflt, bool required) {
        Uint16 v = dflt;
        if (ds->findAndGetUint16(tag, v).bad() && required)
            fail("'", path, "': missing ", what);
        return v;
    };
    Uint16 samples = get_u16(DCM_SamplesPerPixel, "Samples per Pixel", 1, false);
    OFString photometric;
    ds->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    if (samples != 1 || (photometric != "MONOCHROME1" && photometric != "MONOCHROME2"))
        fail("'", path, "': colour or non-grayscale DICOM (", samples, " samples, photometric '",
             photometric.c_str(), "'); a MONOCHROME1/2 image is required");
    Sint32 frames = 1;
    if (ds->findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1)
        fail("'", path, "': multi-frame DICOM (", frames, " frames) is not supported");

    const int rows = get_u16(DCM_Rows, "Rows", 0, true);
    const int cols = get_u16(DCM_Columns, "Columns", 0, true);
    const int allocated = get_u16(DCM_BitsAllocated, "Bits Allocated", 0, true);
    const int stored = get_u16(DCM_BitsStored, "Bits Stored", Uint16(allocated), false);
    const bool is_signed = get_u16(DCM_PixelRepresentation, "Pixel Representation", 0, false) == 1;
    if (rows == 0 || cols == 0) fail("'", path, "': empty image");
    if ((allocated != 8 && allocated != 16) || stored < 1 || stored > allocated)
        fail("'", path, "': unsupported Bits Allocated/Stored ", allocated, "/", stored);

    Float64 slope = 1, intercept = 0;
    ds->findAndGetFloat64(DCM_RescaleSlope, slope);
    ds->findAndGetFloat64(DCM_RescaleIntercept, intercept);
    if (slope == 0) slope = 1;

    const size_t n = size_t(rows) * cols;
    std::vector<long> raw(n);
    const unsigned long count_needed = static_cast<unsigned long>(n);
    if (allocated == 16) {
        const Uint16* p = nullptr;
        unsigned long count = 0;
        if (ds->findAndGetUint16Array(DCM_PixelData, p, &count).bad() || !p || count < count_needed)
            fail("'", path, "': missing or short Pixel Data");
        for (size_t i = 0; i < n; ++i) raw[i] = p[i];
    } else {
        const Uint8* p = nullptr;
        if (ds->findAndGetUint8Array(DCM_PixelData, p).bad() || !p)
            fail("'", path, "': missing Pixel Data");
        DcmElement* el = nullptr;
        if (ds->findAndGetElement(DCM_PixelData, el).bad() || el->getLength() < n)
            fail("'", path, "': short Pixel Data");
        for (size_t i = 0; i < n; ++i) raw[i] = p[i];
    }
    // Keep the Bits Stored low bits (the rest may hold overlays), sign-extending signed data.
    const long mask = (1L << stored) - 1, sign = 1L << (stored - 1);
    for (auto& r : raw) {
        r &= mask;
        if (is_signed && (r & sign)) r -= (1L << stored);
    }
    const long raw_lo = is_signed ? -sign : 0, raw_hi = is_signed ? sign - 1 : mask;
    const double a = slope * raw_lo + intercept, b = slope * raw_hi + intercept;
    const double lo = std::min(a, b), hi = std::max(a, b);
    const bool invert = photometric == "MONOCHROME1";

    GrayImage img;
    img.width = cols;
    img.height = rows;
    img.bit_depth = allocated;
    img.pixels.resize(n);
    for (size_t i = 0; i < n; ++i) {
        double v = slope * raw[i] + intercept;
        double out = invert ? hi - v : v - lo;
        img.pixels[i] = static_cast<uint16_t>(std::clamp(std::lround(out), 0L, 65535L));
    }
    Float64 spacing = 0;
    if (ds->findAndGetFloat64(DCM_PixelSpacing, spacing, 0).good() && spacing > 0)
        img.pixel_spacing_mm = spacing;
    else if (ds->findAndGetFloat64(DCM_ImagerPixelSpacing, spacing, 0).good() && spacing > 0)
        img.pixel_spacing_mm = spacing;
    return img;
}

}  // namespace mcseg
