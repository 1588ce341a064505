// tests/test_data_dicom.cpp — DICOM reading: a MONOCHROME1 mammogram made here with DCMTK
// reads back inverted, rescaled and with its spacing; colour and compressed files are errors.
#include <doctest/doctest.h>

#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>

#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "apps/io/dicom.h"
#include "apps/dataset/patch_db.h"
#include "apps/io/image.h"
#include "engine/error.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

// A small 12-bit mammogram-like DICOM file.
void write_dicom(const std::string& path, const std::vector<Uint16>& px, int w, int h, const char* photometric,
                 const char* slope, const char* intercept, const char* spacing_tag, E_TransferSyntax xfer,
                 int samples = 1) {
    DcmFileFormat ff;
    DcmDataset* ds = ff.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, UID_DigitalMammographyXRayImageStorageForPresentation);
    ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1143.99.1");
    ds->putAndInsertString(DCM_PhotometricInterpretation, photometric);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, Uint16(samples));
    if (samples == 3) ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    ds->putAndInsertUint16(DCM_Rows, Uint16(h));
    ds->putAndInsertUint16(DCM_Columns, Uint16(w));
    ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    ds->putAndInsertUint16(DCM_BitsStored, 12);
    ds->putAndInsertUint16(DCM_HighBit, 11);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    ds->putAndInsertString(DCM_RescaleSlope, slope);
    ds->putAndInsertString(DCM_RescaleIntercept, intercept);
    if (std::string(spacing_tag) == "pixel") ds->putAndInsertString(DCM_PixelSpacing, "0.07\\0.07");
    if (std::string(spacing_tag) == "imager") ds->putAndInsertString(DCM_ImagerPixelSpacing, "0.085\\0.085");
    if (std::string(spacing_tag) == "huge") ds->putAndInsertString(DCM_PixelSpacing, "1e30\\1e30");
    ds->putAndInsertUint16Array(DCM_PixelData, px.data(), static_cast<unsigned long>(px.size()));
    if (xfer != EXS_LittleEndianExplicit) ds->chooseRepresentation(xfer, nullptr);
    OFCondition st = ff.saveFile(path.c_str(), xfer);
    REQUIRE_MESSAGE(st.good(), st.text());
}

}  // namespace

TEST_CASE("data: DICOM MONOCHROME1 with rescale reads back with the right values and spacing") {
    fs::path dir = fs::temp_directory_path() / ("mcseg_test_dicom_" + std::to_string(getpid()));
    fs::create_directories(dir);
    const int w = 16, h = 12;
    std::vector<Uint16> px(w * h);
    for (int i = 0; i < w * h; ++i) px[i] = Uint16((i * 37) % 4096);
    px[0] |= 0xF000;  // junk above Bits Stored (an overlay bit plane) must be ignored

    // MONOCHROME1, slope 2, intercept 10: v = 2 r + 10, highest = 2*4095 + 10, out = highest - v.
    const std::string p1 = (dir / "m1.dcm").string();
    write_dicom(p1, px, w, h, "MONOCHROME1", "2", "10", "imager", EXS_LittleEndianExplicit);
    GrayImage g = read_image(p1);
    REQUIRE(g.width == w);
    REQUIRE(g.height == h);
    CHECK(g.pixel_spacing_mm == doctest::Approx(0.085));
    for (int i = 0; i < w * h; ++i) REQUIRE(g.pixels[i] == 2 * (4095 - (px[i] & 0x0FFF)));

    // MONOCHROME2 keeps the polarity; Pixel Spacing wins over Imager Pixel Spacing.
    const std::string p2 = (dir / "m2.dcm").string();
    write_dicom(p2, px, w, h, "MONOCHROME2", "1", "0", "pixel", EXS_LittleEndianImplicit);
    GrayImage g2 = read_dicom(p2);
    CHECK(g2.pixel_spacing_mm == doctest::Approx(0.07));
    for (int i = 0; i < w * h; ++i) REQUIRE(g2.pixels[i] == (px[i] & 0x0FFF));
    fs::remove_all(dir);
}

TEST_CASE("data: DICOM colour images and compressed transfer syntaxes are clear errors") {
    fs::path dir = fs::temp_directory_path() / ("mcseg_test_dicom_bad_" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::vector<Uint16> rgb(8 * 8 * 3, 100);
    write_dicom((dir / "rgb.dcm").string(), rgb, 8, 8, "RGB", "1", "0", "none", EXS_LittleEndianExplicit, 3);
    try {
        read_dicom((dir / "rgb.dcm").string());
        FAIL("colour DICOM accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("colour") != std::string::npos);
    }
    DcmRLEEncoderRegistration::registerCodecs();
    std::vector<Uint16> px(8 * 8, 100);
    write_dicom((dir / "rle.dcm").string(), px, 8, 8, "MONOCHROME2", "1", "0", "none", EXS_RLELossless);
    DcmRLEEncoderRegistration::cleanup();
    try {
        read_dicom((dir / "rle.dcm").string());
        FAIL("compressed DICOM accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("unsupported transfer syntax") != std::string::npos);
    }
    CHECK_THROWS_AS(read_dicom((dir / "missing.dcm").string()), Error);
    fs::remove_all(dir);
}

TEST_CASE("data: a DICOM header that claims more than the file holds, or a spacing of 1e30, is a quick clear error") {
    fs::path dir = fs::temp_directory_path() / ("mcseg_test_dicom_lies_" + std::to_string(getpid()));
    fs::create_directories(dir);
    // 65535 x 65535 pixels claimed, 128 bytes present: refused before 8 GB are taken.
    std::vector<Uint16> px(8 * 8, 100);
    write_dicom((dir / "huge.dcm").string(), px, 65535, 65535, "MONOCHROME2", "1", "0", "none",
                EXS_LittleEndianExplicit);
    std::string e = test::error_of([&] { read_dicom((dir / "huge.dcm").string()); });
    CHECK(e.find("short Pixel Data") != std::string::npos);
    CHECK(e.find("huge.dcm") != std::string::npos);
    write_dicom((dir / "far.dcm").string(), px, 8, 8, "MONOCHROME2", "1", "0", "huge", EXS_LittleEndianExplicit);
    e = test::error_of([&] { read_dicom((dir / "far.dcm").string()); });
    CHECK(e.find("not a plausible spacing") != std::string::npos);
    CHECK(e.find("far.dcm") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("data: the patch database reports a lying DICOM among its images as an error, not an abort") {
    fs::path dir = test::make_fixture("dicom_db", 2);
    std::vector<Uint16> px(8 * 8, 100);
    write_dicom((dir / "huge.dcm").string(), px, 65535, 65535, "MONOCHROME2", "1", "0", "none",
                EXS_LittleEndianExplicit);
    fs::copy_file(dir / "img_0_mask.png", dir / "huge_mask.png");
    PatchDbOptions opt;
    opt.patch = 15;
    CHECK(test::error_of([&] { build_patch_db(dir.string(), (dir / "p.db").string(), opt); })
              .find("short Pixel Data") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("data: a broken DICOM gives our one-line error and nothing of DCMTK's on stderr") {
    fs::path dir = fs::temp_directory_path() / ("mcseg_test_dicom_quiet_" + std::to_string(getpid()));
    fs::create_directories(dir);
    {
        std::ofstream f(dir / "junk.dcm", std::ios::binary);
        f << std::string(128, '\0') << "DICM";
        for (int i = 0; i < 4000; ++i) f.put(char((i * 131) ^ (i >> 3)));
    }
    const fs::path captured = dir / "stderr.txt";
    std::fflush(stderr);
    const int saved = ::dup(2), to = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(to, 2);
    const std::string e = test::error_of([&] { read_dicom((dir / "junk.dcm").string()); });
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    ::close(to);
    CHECK(e.find("junk.dcm") != std::string::npos);
    CHECK(fs::file_size(captured) == 0);
    fs::remove_all(dir);
}
