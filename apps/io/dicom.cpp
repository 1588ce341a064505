// apps/io/dicom.cpp — see dicom.h.
#include "apps/io/dicom.h"

#include <dcmtk/dcmdata/dctk.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/error.h"

namespace mcseg {

namespace {

// What the header says about the pixels, checked.
struct PixelFormat {
    int rows = 0, cols = 0, allocated = 0, stored = 0;
    bool is_signed = false, invert = false;  // invert: MONOCHROME1
    double slope = 1, intercept = 0;
};

PixelFormat read_format(DcmDataset* ds, const std::string& path) {
    DcmXfer xfer(ds->getOriginalXfer());
    if (xfer.isEncapsulated())
        fail("'", path, "': unsupported transfer syntax '", xfer.getXferName(),
             "' (only uncompressed DICOM is read; decompress it first, e.g. with dcmdjpeg)");
    auto get_u16 = [&](const DcmTagKey& tag, const char* what, Uint16 dflt, bool required) {
        Uint16 v = dflt;
        if (ds->findAndGetUint16(tag, v).bad() && required) fail("'", path, "': missing ", what);
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
    PixelFormat f;
    f.rows = get_u16(DCM_Rows, "Rows", 0, true);
    f.cols = get_u16(DCM_Columns, "Columns", 0, true);
    f.allocated = get_u16(DCM_BitsAllocated, "Bits Allocated", 0, true);
    f.stored = get_u16(DCM_BitsStored, "Bits Stored", Uint16(f.allocated), false);
    f.is_signed = get_u16(DCM_PixelRepresentation, "Pixel Representation", 0, false) == 1;
    f.invert = photometric == "MONOCHROME1";
    if (f.rows == 0 || f.cols == 0) fail("'", path, "': empty image");
    if ((f.allocated != 8 && f.allocated != 16) || f.stored < 1 || f.stored > f.allocated)
        fail("'", path, "': unsupported Bits Allocated/Stored ", f.allocated, "/", f.stored);
    Float64 slope = 1, intercept = 0;
    ds->findAndGetFloat64(DCM_RescaleSlope, slope);
    ds->findAndGetFloat64(DCM_RescaleIntercept, intercept);
    f.slope = slope == 0 ? 1 : slope;
    f.intercept = intercept;
    return f;
}

// The stored values, masked to Bits Stored (the rest may hold overlays), sign-extended when signed.
std::vector<long> read_stored_values(DcmDataset* ds, const PixelFormat& f, const std::string& path) {
    // The Pixel Data present must hold every pixel the header claims, before any memory is taken.
    const size_t n = size_t(f.rows) * f.cols;
    DcmElement* el = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, el).bad() || !el) fail("'", path, "': missing Pixel Data");
    if (el->getLength() < n * size_t(f.allocated / 8))
        fail("'", path, "': short Pixel Data (", el->getLength(), " bytes for ", f.cols, "x", f.rows, " pixels)");
    std::vector<long> raw(n);
    if (f.allocated == 16) {
        const Uint16* p = nullptr;
        if (ds->findAndGetUint16Array(DCM_PixelData, p).bad() || !p) fail("'", path, "': unreadable Pixel Data");
        for (size_t i = 0; i < n; ++i) raw[i] = p[i];
    } else {
        const Uint8* p = nullptr;
        if (ds->findAndGetUint8Array(DCM_PixelData, p).bad() || !p) fail("'", path, "': unreadable Pixel Data");
        for (size_t i = 0; i < n; ++i) raw[i] = p[i];
    }
    const long mask = (1L << f.stored) - 1, sign = 1L << (f.stored - 1);
    for (auto& r : raw) {
        r &= mask;
        if (f.is_signed && (r & sign)) r -= (1L << f.stored);
    }
    return raw;
}

// Rescaled values on a 0-based scale with dense tissue bright (see dicom.h).
std::vector<uint16_t> to_gray(const std::vector<long>& raw, const PixelFormat& f) {
    const long mask = (1L << f.stored) - 1, sign = 1L << (f.stored - 1);
    const long raw_lo = f.is_signed ? -sign : 0, raw_hi = f.is_signed ? sign - 1 : mask;
    const double a = f.slope * raw_lo + f.intercept, b = f.slope * raw_hi + f.intercept;
    const double lo = std::min(a, b), hi = std::max(a, b);
    std::vector<uint16_t> out(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        double v = f.slope * raw[i] + f.intercept;
        double o = f.invert ? hi - v : v - lo;
        out[i] = static_cast<uint16_t>(std::clamp(std::lround(o), 0L, 65535L));
    }
    return out;
}

double read_spacing(DcmDataset* ds, const std::string& path) {
    for (const DcmTagKey& tag : {DCM_PixelSpacing, DCM_ImagerPixelSpacing}) {  // the first one given
        Float64 spacing = 0;
        if (ds->findAndGetFloat64(tag, spacing, 0).good() && spacing != 0) return checked_spacing_mm(spacing, "'" + path + "'");
    }
    return 0;
}

// DCMTK logs its own warnings and errors to stderr (up to 166 lines for one bad file) before it
// returns the condition we report; its logger is silenced once, and its condition text is part
// of our one-line error.
void silence_dcmtk_log() {
    static const bool once = [] {
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        return true;
    }();
    (void)once;
}

}  // namespace

GrayImage read_dicom(const std::string& path) {
    silence_dcmtk_log();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail("'", path, "': no such file");
    DcmFileFormat file;
    OFCondition st = file.loadFile(path.c_str());
    if (st.bad()) fail("'", path, "': not a readable DICOM file (", st.text(), ")");
    DcmDataset* ds = file.getDataset();
    const PixelFormat f = read_format(ds, path);
    GrayImage img;
    img.width = f.cols;
    img.height = f.rows;
    img.bit_depth = f.allocated;
    img.pixels = to_gray(read_stored_values(ds, f, path), f);
    img.pixel_spacing_mm = read_spacing(ds, path);
    return img;
}

}  // namespace mcseg
