// What a Relay app declares: fragments with @argumentDefinitions, a paginated @connection made
// @refetchable, and a @refetchable Device fragment (refetched through `node(id:)`). The Relay
// compiler turns them into relay/__generated__/ (with their persisted-query manifest);
// relay/run.mjs runs the compiled operations. This file is read by the compiler, never run.
import { graphql } from 'relay-runtime';

export const DeviceListQuery = graphql`
  query DeviceListQuery($count: Int, $cursor: String) {
    ...DeviceList_query @arguments(count: $count, cursor: $cursor)
  }
`;

export const DeviceList = graphql`
  fragment DeviceList_query on Query
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 5 }
    cursor: { type: "String" }
  )
  @refetchable(queryName: "DeviceListPaginationQuery") {
    devices(first: $count, after: $cursor) @connection(key: "DeviceList_devices") {
      totalCount
      edges {
        node {
          id
          name
          ...DeviceCard_device
        }
      }
    }
  }
`;

export const DeviceCard = graphql`
  fragment DeviceCard_device on Device
  @argumentDefinitions(parcelCount: { type: "Int", defaultValue: 1 })
  @refetchable(queryName: "DeviceCardRefetchQuery") {
    serialNumber
    assignee {
      id
      name
    }
    parcels(first: $parcelCount) {
      totalCount
      edges {
        node {
          id
          status
        }
      }
    }
  }
`;
