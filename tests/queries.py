"""GraphQL documents the tests send, as a client would.

`NESTED_DEVICE_VIEW` is the product's main job as the performance issue defines it: a page of
devices with their database-backed relations only (characteristics, assignee, order, MDM
enrollment, newest parcels with their addresses). Upstream-backed fields (observed users, configs,
inventory) are added where a test or the bench wants them."""

NESTED_DEVICE_VIEW = """
query NestedDeviceView($first: Int!, $after: String) {
  devices(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        id databaseId name serialNumber clientStatus type category source comment
        trackingNumber trackingUrl createdAt updatedAt
        rent { amount currency }
        characteristics {
          screenSize graphic processor ram storage modelYear connectivity keyboardLayout
          resolution hasMicrophone hasWebcam noiseCancellation compliance connectionType
          hasStool hasVideoPackage hasScreen hasPremiumTablet color seatsNumber assembly osPlatform
        }
        assignee { id name email team }
        order {
          id orderNumber contractNumber clientStatus orderDate numDevices deviceNames currency
          rent { amount currency }
        }
        mdm {
          id status localName isLocked lockDate firewallEnabled osUpdatesEnabled isEncrypted
          screenlockEnabled isCompromised osUpdatesAvailable diskEncryptionProfileInstalled
          enrollmentDate unenrollmentDate downloadDate lastSeenDate lastSyncDate
        }
        parcels(first: 3) {
          totalCount
          edges {
            node {
              id type status carrier trackingNumber trackingUrl pickupDate receptionDate
              shippingDate createdAt
              pickupAddress { id label street postalCode city country }
              receptionAddress { id city country }
            }
          }
        }
      }
    }
  }
}
"""
