// core/campaign_filter.h: which findings are of a campaign, which sites are
// in a spot check's sample, and the errors that name a bad campaign.
#include "core/campaign_filter.h"

#include <gtest/gtest.h>

namespace inspectsync::core {
namespace {

v1::Campaign Camp(const std::string& name, v1::InspectionKind kind) {
  v1::Campaign c;
  c.set_name(name);
  c.set_kind(kind);
  return c;
}

v1::Inspection Of(const std::string& campaign) {
  v1::Inspection i;
  i.set_campaign_id(campaign);
  return i;
}

v1::Finding At(const std::string& site, const std::string& inspection) {
  v1::Finding f;
  f.set_site_id(site);
  f.set_inspection_id(inspection);
  return f;
}

TEST(CampaignFilterTest, NoFilterPassesEverythingWithoutReadingAnything) {
  CampaignFilterBuilder b({}, "");
  EXPECT_FALSE(b.needed());
  auto f = b.Finish();
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->active());
  EXPECT_TRUE(f->Matches(At("s1", ""), "z1"));
}

TEST(CampaignFilterTest, AFindingIsOfTheCampaignOfItsLiveInspection) {
  CampaignFilterBuilder b({"c1"}, "");
  EXPECT_TRUE(b.needs_inspections());
  EXPECT_FALSE(b.needs_assignments());
  b.OfferCampaign("c1", false, Camp("秋季专项", v1::SPECIAL_CAMPAIGN));
  b.OfferInspection("i1", false, Of("c1"));
  b.OfferInspection("i2", false, Of("c2"));
  b.OfferInspection("i3", /*deleted=*/true, Of("c1"));
  auto f = b.Finish();
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(f->Matches(At("s1", "i1"), "z1"));
  EXPECT_FALSE(f->Matches(At("s1", "i2"), "z1"));
  EXPECT_FALSE(f->Matches(At("s1", "i3"), "z1"));      // a deleted inspection counts for nothing
  EXPECT_FALSE(f->Matches(At("s1", "pending"), "z1"));  // nor one not on the server
}

TEST(CampaignFilterTest, TheSampleIsTheSpotChecksAssignedSitesAndZones) {
  CampaignFilterBuilder b({}, "spot");
  EXPECT_TRUE(b.needs_assignments());
  b.OfferCampaign("spot", false, Camp("随机抽查", v1::SPOT_CHECK));
  v1::Assignment a;
  a.set_campaign_id("spot");
  a.set_site_id("s1");
  b.OfferAssignment(false, a);
  a.set_site_id("");
  a.set_zone_id("z9");
  b.OfferAssignment(false, a);
  a.set_zone_id("");
  a.set_site_id("s2");
  b.OfferAssignment(/*deleted=*/true, a);
  a.set_site_id("s3");
  a.set_campaign_id("other");
  b.OfferAssignment(false, a);
  auto f = b.Finish();
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(f->Matches(At("s1", ""), "z1"));
  EXPECT_TRUE(f->Matches(At("s7", ""), "z9"));  // a zone assigned for the spot check
  EXPECT_FALSE(f->Matches(At("s2", ""), "z1"));
  EXPECT_FALSE(f->Matches(At("s3", ""), "z1"));
  EXPECT_FALSE(f->InSample("s4", ""));
}

TEST(CampaignFilterTest, UnknownCampaignsAreNamedAndASampleNeedsASpotCheck) {
  CampaignFilterBuilder b({"c1", "ghost"}, "gone");
  b.OfferCampaign("c1", false, Camp("a", v1::SPECIAL_CAMPAIGN));
  b.OfferCampaign("gone", /*deleted=*/true, Camp("b", v1::SPOT_CHECK));
  auto f = b.Finish();
  ASSERT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("ghost"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("gone"), std::string::npos) << f.status().message();

  CampaignFilterBuilder s({}, "c1");
  s.OfferCampaign("c1", false, Camp("秋季专项", v1::SPECIAL_CAMPAIGN));
  auto g = s.Finish();
  ASSERT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("秋季专项"), std::string::npos) << g.status().message();
}

}  // namespace
}  // namespace inspectsync::core
