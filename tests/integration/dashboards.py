#!/usr/bin/env python3
"""What a Prometheus that scraped node_exporter sees when it scrapes vigie
instead: the panel queries of the dashboards ops teams run on
node_exporter (Grafana's "Node Exporter Full", the node-mixin's USE
dashboards over its recording rules) and the node-mixin's alerts, each
evaluated by a real Prometheus for job="node_exporter" and job="vigie" at
one instant (tests/integration/dashboards.sh scrapes both every second and
loads tests/integration/node-mixin-rules.yml).

A panel that has data under node_exporter must have it under vigie, with
the same series (label sets without job and instance); one that has none
under node_exporter (hardware this machine lacks) is only reported when
vigie has some. Every recorded series of the mixin must be the same for
both jobs, and so must every alert pending or firing: an alert that would
fire under node_exporter and stays silent under vigie is the worst kind of
difference. Alerts that follow a trend measured over the test's few
seconds (filesystems filling up, a clock skew growing) are left out of that
comparison; their data is in the panels.
Usage: dashboards.py API_URL"""
import json
import sys
import time
import urllib.parse
import urllib.request

# Each query with JOB where its selector names the job: {JOB} or {JOB,...}
PANELS = [
    # Quick CPU / Mem / Disk and Basic CPU / Mem / Net / Disk
    'count(count(node_cpu_seconds_total{JOB}) by (cpu))',
    'node_time_seconds{JOB} - node_boot_time_seconds{JOB}',
    '100 * (1 - avg(rate(node_cpu_seconds_total{JOB,mode="idle"}[1m])))',
    'avg(node_load1{JOB}) / count(count(node_cpu_seconds_total{JOB}) by (cpu)) * 100',
    'node_load1{JOB}', 'node_load5{JOB}', 'node_load15{JOB}',
    '100 - ((node_memory_MemAvailable_bytes{JOB} * 100) / node_memory_MemTotal_bytes{JOB})',
    '((node_memory_SwapTotal_bytes{JOB} - node_memory_SwapFree_bytes{JOB}) / (node_memory_SwapTotal_bytes{JOB}))',
    '100 - ((node_filesystem_avail_bytes{JOB,mountpoint="/",fstype!="rootfs"} * 100)'
    ' / node_filesystem_size_bytes{JOB,mountpoint="/",fstype!="rootfs"})',
    'node_memory_MemTotal_bytes{JOB}', 'node_memory_SwapTotal_bytes{JOB}',
    'node_filesystem_size_bytes{JOB,mountpoint="/",fstype!="rootfs"}',
    'sum by (mode) (irate(node_cpu_seconds_total{JOB}[1m]))',
    'sum by (instance) (irate(node_cpu_seconds_total{JOB,mode="iowait"}[1m]))',
    'sum by (cpu) (irate(node_cpu_guest_seconds_total{JOB}[1m]))',
    'node_memory_MemTotal_bytes{JOB} - node_memory_MemFree_bytes{JOB} - (node_memory_Cached_bytes{JOB}'
    ' + node_memory_Buffers_bytes{JOB} + node_memory_SReclaimable_bytes{JOB})',
    'irate(node_network_receive_bytes_total{JOB}[1m]) * 8',
    'irate(node_network_transmit_bytes_total{JOB}[1m]) * 8',
    '100 - ((node_filesystem_avail_bytes{JOB,device!~"rootfs"} * 100) / node_filesystem_size_bytes{JOB,device!~"rootfs"})',
    # Memory Meminfo
    'node_memory_Cached_bytes{JOB}', 'node_memory_Buffers_bytes{JOB}', 'node_memory_MemFree_bytes{JOB}',
    'node_memory_SReclaimable_bytes{JOB}', 'node_memory_SUnreclaim_bytes{JOB}', 'node_memory_Slab_bytes{JOB}',
    'node_memory_Active_bytes{JOB}', 'node_memory_Inactive_bytes{JOB}', 'node_memory_Active_file_bytes{JOB}',
    'node_memory_Inactive_file_bytes{JOB}', 'node_memory_Active_anon_bytes{JOB}', 'node_memory_Inactive_anon_bytes{JOB}',
    'node_memory_Committed_AS_bytes{JOB}', 'node_memory_CommitLimit_bytes{JOB}', 'node_memory_Writeback_bytes{JOB}',
    'node_memory_WritebackTmp_bytes{JOB}', 'node_memory_Dirty_bytes{JOB}', 'node_memory_Mapped_bytes{JOB}',
    'node_memory_Shmem_bytes{JOB}', 'node_memory_ShmemHugePages_bytes{JOB}', 'node_memory_ShmemPmdMapped_bytes{JOB}',
    'node_memory_KernelStack_bytes{JOB}', 'node_memory_PageTables_bytes{JOB}', 'node_memory_VmallocChunk_bytes{JOB}',
    'node_memory_VmallocTotal_bytes{JOB}', 'node_memory_VmallocUsed_bytes{JOB}', 'node_memory_Bounce_bytes{JOB}',
    'node_memory_AnonHugePages_bytes{JOB}', 'node_memory_AnonPages_bytes{JOB}', 'node_memory_Unevictable_bytes{JOB}',
    'node_memory_Mlocked_bytes{JOB}', 'node_memory_NFS_Unstable_bytes{JOB}', 'node_memory_SwapCached_bytes{JOB}',
    'node_memory_SwapFree_bytes{JOB}', 'node_memory_HugePages_Total{JOB}', 'node_memory_HugePages_Free{JOB}',
    'node_memory_HugePages_Rsvd{JOB}', 'node_memory_HugePages_Surp{JOB}', 'node_memory_Hugepagesize_bytes{JOB}',
    'node_memory_DirectMap1G_bytes{JOB}', 'node_memory_DirectMap2M_bytes{JOB}', 'node_memory_DirectMap4k_bytes{JOB}',
    'node_memory_HardwareCorrupted_bytes{JOB}', 'node_memory_Percpu_bytes{JOB}',
    # Memory Vmstat
    'irate(node_vmstat_pgpgin{JOB}[1m])', 'irate(node_vmstat_pgpgout{JOB}[1m])', 'irate(node_vmstat_pswpin{JOB}[1m])',
    'irate(node_vmstat_pswpout{JOB}[1m])', 'irate(node_vmstat_pgfault{JOB}[1m])',
    'irate(node_vmstat_pgmajfault{JOB}[1m])', 'irate(node_vmstat_pgfault{JOB}[1m]) - irate(node_vmstat_pgmajfault{JOB}[1m])',
    'irate(node_vmstat_oom_kill{JOB}[1m])',
    # System Timesync
    'node_timex_estimated_error_seconds{JOB}', 'node_timex_offset_seconds{JOB}', 'node_timex_maxerror_seconds{JOB}',
    'node_timex_loop_time_constant{JOB}', 'node_timex_sync_status{JOB}', 'node_timex_frequency_adjustment_ratio{JOB}',
    'node_timex_tick_seconds{JOB}', 'node_timex_tai_offset_seconds{JOB}', 'node_timex_status{JOB}',
    'node_timex_pps_frequency_hertz{JOB}', 'node_timex_pps_stability_hertz{JOB}', 'node_timex_pps_jitter_seconds{JOB}',
    'node_timex_pps_shift_seconds{JOB}', 'irate(node_timex_pps_calibration_total{JOB}[1m])',
    'irate(node_timex_pps_error_total{JOB}[1m])', 'irate(node_timex_pps_jitter_total{JOB}[1m])',
    'irate(node_timex_pps_stability_exceeded_total{JOB}[1m])',
    # System Processes and System Misc
    'node_procs_blocked{JOB}', 'node_procs_running{JOB}', 'irate(node_forks_total{JOB}[1m])',
    'irate(node_context_switches_total{JOB}[1m])', 'irate(node_intr_total{JOB}[1m])',
    'node_entropy_available_bits{JOB}', 'node_entropy_pool_size_bits{JOB}',
    'node_filefd_maximum{JOB}', 'node_filefd_allocated{JOB}',
    'process_max_fds{JOB}', 'process_open_fds{JOB}', 'process_resident_memory_bytes{JOB}',
    'process_virtual_memory_bytes{JOB}', 'process_virtual_memory_max_bytes{JOB}',
    'irate(process_cpu_seconds_total{JOB}[1m])', 'time() - process_start_time_seconds{JOB}',
    'irate(node_schedstat_running_seconds_total{JOB}[1m])', 'irate(node_schedstat_waiting_seconds_total{JOB}[1m])',
    'irate(node_schedstat_timeslices_total{JOB}[1m])',
    'rate(node_pressure_cpu_waiting_seconds_total{JOB}[1m])', 'rate(node_pressure_memory_waiting_seconds_total{JOB}[1m])',
    'rate(node_pressure_memory_stalled_seconds_total{JOB}[1m])', 'rate(node_pressure_io_waiting_seconds_total{JOB}[1m])',
    'rate(node_pressure_io_stalled_seconds_total{JOB}[1m])',
    # Hardware Misc
    'node_hwmon_temp_celsius{JOB}', 'node_hwmon_temp_crit_alarm_celsius{JOB}', 'node_hwmon_temp_crit_celsius{JOB}',
    'node_hwmon_temp_crit_hyst_celsius{JOB}', 'node_hwmon_temp_max_celsius{JOB}',
    'node_hwmon_temp_celsius{JOB} * on(chip) group_left(chip_name) node_hwmon_chip_names{JOB}',
    'node_hwmon_in_volts{JOB}', 'node_hwmon_fan_rpm{JOB}', 'node_hwmon_power_average_watt{JOB}',
    'node_thermal_zone_temp{JOB}', 'node_cooling_device_cur_state{JOB}', 'node_cooling_device_max_state{JOB}',
    'node_power_supply_online{JOB}', 'node_power_supply_info{JOB}',
    # Storage Disk
    'irate(node_disk_reads_completed_total{JOB}[1m])', 'irate(node_disk_writes_completed_total{JOB}[1m])',
    'irate(node_disk_read_bytes_total{JOB}[1m])', 'irate(node_disk_written_bytes_total{JOB}[1m])',
    'irate(node_disk_read_time_seconds_total{JOB}[1m]) / irate(node_disk_reads_completed_total{JOB}[1m])',
    'irate(node_disk_write_time_seconds_total{JOB}[1m]) / irate(node_disk_writes_completed_total{JOB}[1m])',
    'irate(node_disk_io_time_weighted_seconds_total{JOB}[1m])', 'irate(node_disk_reads_merged_total{JOB}[1m])',
    'irate(node_disk_writes_merged_total{JOB}[1m])', 'irate(node_disk_io_time_seconds_total{JOB}[1m])',
    'irate(node_disk_discard_time_seconds_total{JOB}[1m])', 'irate(node_disk_discards_completed_total{JOB}[1m])',
    'irate(node_disk_discards_merged_total{JOB}[1m])', 'irate(node_disk_discarded_sectors_total{JOB}[1m])',
    'irate(node_disk_flush_requests_total{JOB}[1m])', 'node_disk_io_now{JOB}', 'node_disk_info{JOB}',
    # Storage Filesystem
    'node_filesystem_avail_bytes{JOB,device!~"rootfs"}', 'node_filesystem_free_bytes{JOB,device!~"rootfs"}',
    'node_filesystem_size_bytes{JOB,device!~"rootfs"}', 'node_filesystem_files_free{JOB,device!~"rootfs"}',
    'node_filesystem_files{JOB,device!~"rootfs"}', 'node_filesystem_readonly{JOB,device!~"rootfs"}',
    'node_filesystem_device_error{JOB,device!~"rootfs",fstype!~"tmpfs"}',
    # Network Traffic
    'irate(node_network_receive_packets_total{JOB}[1m])', 'irate(node_network_transmit_packets_total{JOB}[1m])',
    'irate(node_network_receive_errs_total{JOB}[1m])', 'irate(node_network_transmit_errs_total{JOB}[1m])',
    'irate(node_network_receive_drop_total{JOB}[1m])', 'irate(node_network_transmit_drop_total{JOB}[1m])',
    'irate(node_network_receive_compressed_total{JOB}[1m])', 'irate(node_network_transmit_compressed_total{JOB}[1m])',
    'irate(node_network_receive_multicast_total{JOB}[1m])', 'irate(node_network_receive_fifo_total{JOB}[1m])',
    'irate(node_network_transmit_fifo_total{JOB}[1m])', 'irate(node_network_receive_frame_total{JOB}[1m])',
    'irate(node_network_transmit_carrier_total{JOB}[1m])', 'irate(node_network_transmit_colls_total{JOB}[1m])',
    'node_nf_conntrack_entries{JOB}', 'node_nf_conntrack_entries_limit{JOB}', 'node_arp_entries{JOB}',
    'node_network_mtu_bytes{JOB}', 'node_network_speed_bytes{JOB}', 'node_network_transmit_queue_length{JOB}',
    'irate(node_softnet_processed_total{JOB}[1m])', 'irate(node_softnet_dropped_total{JOB}[1m])',
    'irate(node_softnet_times_squeezed_total{JOB}[1m])', 'node_network_up{JOB}', 'node_network_carrier{JOB}',
    'node_network_info{JOB}', 'node_network_flags{JOB}', 'irate(node_network_carrier_changes_total{JOB}[1m])',
    # Network Sockstat
    'node_sockstat_TCP_alloc{JOB}', 'node_sockstat_TCP_inuse{JOB}', 'node_sockstat_TCP_mem{JOB}',
    'node_sockstat_TCP_orphan{JOB}', 'node_sockstat_TCP_tw{JOB}', 'node_sockstat_UDPLITE_inuse{JOB}',
    'node_sockstat_UDP_inuse{JOB}', 'node_sockstat_UDP_mem{JOB}', 'node_sockstat_FRAG_inuse{JOB}',
    'node_sockstat_RAW_inuse{JOB}', 'node_sockstat_TCP_mem_bytes{JOB}', 'node_sockstat_UDP_mem_bytes{JOB}',
    'node_sockstat_FRAG_memory{JOB}', 'node_sockstat_sockets_used{JOB}', 'node_sockstat_TCP6_inuse{JOB}',
    'node_sockstat_UDP6_inuse{JOB}',
    # Network Netstat
    'irate(node_netstat_IpExt_InOctets{JOB}[1m])', 'irate(node_netstat_IpExt_OutOctets{JOB}[1m])',
    'node_netstat_Ip_Forwarding{JOB}', 'irate(node_netstat_Icmp_InMsgs{JOB}[1m])',
    'irate(node_netstat_Icmp_OutMsgs{JOB}[1m])', 'irate(node_netstat_Icmp_InErrors{JOB}[1m])',
    'irate(node_netstat_Udp_InDatagrams{JOB}[1m])', 'irate(node_netstat_Udp_OutDatagrams{JOB}[1m])',
    'irate(node_netstat_Udp_InErrors{JOB}[1m])', 'irate(node_netstat_Udp_NoPorts{JOB}[1m])',
    'irate(node_netstat_UdpLite_InErrors{JOB}[1m])', 'irate(node_netstat_Udp_RcvbufErrors{JOB}[1m])',
    'irate(node_netstat_Udp_SndbufErrors{JOB}[1m])', 'irate(node_netstat_Tcp_InSegs{JOB}[1m])',
    'irate(node_netstat_Tcp_OutSegs{JOB}[1m])', 'irate(node_netstat_TcpExt_ListenOverflows{JOB}[1m])',
    'irate(node_netstat_TcpExt_ListenDrops{JOB}[1m])', 'irate(node_netstat_TcpExt_TCPSynRetrans{JOB}[1m])',
    'irate(node_netstat_Tcp_RetransSegs{JOB}[1m])', 'irate(node_netstat_Tcp_InErrs{JOB}[1m])',
    'irate(node_netstat_Tcp_OutRsts{JOB}[1m])', 'irate(node_netstat_TcpExt_TCPRcvQDrop{JOB}[1m])',
    'irate(node_netstat_TcpExt_TCPOFOQueue{JOB}[1m])', 'node_netstat_Tcp_CurrEstab{JOB}',
    'irate(node_netstat_Tcp_ActiveOpens{JOB}[1m])', 'irate(node_netstat_Tcp_PassiveOpens{JOB}[1m])',
    'irate(node_netstat_TcpExt_SyncookiesFailed{JOB}[1m])', 'irate(node_netstat_TcpExt_SyncookiesRecv{JOB}[1m])',
    'irate(node_netstat_TcpExt_SyncookiesSent{JOB}[1m])', 'irate(node_netstat_TcpExt_TCPTimeouts{JOB}[1m])',
    'irate(node_netstat_Ip6_InOctets{JOB}[1m])', 'irate(node_netstat_Udp6_InDatagrams{JOB}[1m])',
    'irate(node_netstat_Icmp6_InMsgs{JOB}[1m])',
    # Node Exporter (the agent itself)
    'node_scrape_collector_duration_seconds{JOB}', 'node_scrape_collector_success{JOB}',
    'node_textfile_scrape_error{JOB}', 'node_textfile_mtime_seconds{JOB}',
    # the dashboards' variables and joins: hostname, os, the uname of each instance
    'node_uname_info{JOB}', 'node_os_info{JOB}', 'node_os_version{JOB}',
    'node_time_zone_offset_seconds{JOB}', 'node_time_clocksource_current_info{JOB}',
    'node_selinux_enabled{JOB}', 'node_dmi_info{JOB}',
    'node_udp_queues{JOB}',
    # the node-mixin's USE dashboards, over its recording rules
    'instance:node_cpu_utilisation:rate5m{JOB}', 'instance:node_load1_per_cpu:ratio{JOB}',
    'instance:node_memory_utilisation:ratio{JOB}', 'instance:node_vmstat_pgmajfault:rate5m{JOB}',
    'instance_device:node_disk_io_time_seconds:rate5m{JOB}',
    'instance_device:node_disk_io_time_weighted_seconds:rate5m{JOB}',
    'instance:node_network_receive_bytes_excluding_lo:rate5m{JOB}',
    'instance:node_network_transmit_bytes_excluding_lo:rate5m{JOB}',
    'instance:node_network_receive_drop_excluding_lo:rate5m{JOB}',
    'instance:node_network_transmit_drop_excluding_lo:rate5m{JOB}', 'instance:node_num_cpu:sum{JOB}',
    # the alerts' data, trends included: filesystems filling up, clock skew
    'predict_linear(node_filesystem_avail_bytes{JOB,fstype!=""}[6h], 24*60*60)',
    'predict_linear(node_filesystem_files_free{JOB,fstype!=""}[6h], 24*60*60)',
    'deriv(node_timex_offset_seconds{JOB}[5m])',
    'min_over_time(node_timex_sync_status{JOB}[5m])',
    'node_md_disks_required{JOB}', 'node_md_disks{JOB}', 'node_md_state{JOB}',
]

# the collectors vigie has and node_exporter lacks
VIGIE_COLLECTORS = {"energy", "exec", "probe"}
# alerts that follow a trend over the few seconds the test has: whether
# they are pending may differ by a scrape's timing; their data is above
TRENDS = {"NodeFilesystemSpaceFillingUp", "NodeFilesystemFilesFillingUp", "NodeClockSkewDetected"}
RECORDED = ["instance:node_num_cpu:sum", "instance:node_cpu_utilisation:rate5m", "instance:node_load1_per_cpu:ratio",
            "instance:node_memory_utilisation:ratio", "instance:node_vmstat_pgmajfault:rate5m",
            "instance_device:node_disk_io_time_seconds:rate5m",
            "instance_device:node_disk_io_time_weighted_seconds:rate5m",
            "instance:node_network_receive_bytes_excluding_lo:rate5m",
            "instance:node_network_transmit_bytes_excluding_lo:rate5m",
            "instance:node_network_receive_drop_excluding_lo:rate5m",
            "instance:node_network_transmit_drop_excluding_lo:rate5m"]


def query(api, expr, at):
    url = "%s/query?%s" % (api, urllib.parse.urlencode({"query": expr, "time": "%.3f" % at}))
    with urllib.request.urlopen(url, timeout=30) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise SystemExit("dashboards: %s: %s" % (expr, body))
    return body["data"]["result"]


def series(result):
    """The label sets of a result, without the target's own labels."""
    return sorted(tuple(sorted((k, v) for k, v in r["metric"].items() if k not in ("job", "instance")))
                  for r in result)


def for_job(expr, job):
    return expr.replace("{JOB}", '{job="%s"}' % job).replace("{JOB,", '{job="%s",' % job)


def check_panel(api, expr, at):
    """None when vigie answers expr as node_exporter does at the instant
    at; else what differs. "empty" when node_exporter has no data."""
    ne, vg = series(query(api, for_job(expr, "node_exporter"), at)), series(query(api, for_job(expr, "vigie"), at))
    if not ne:
        if vg:
            print("data under vigie only: %s (%d series)" % (expr, len(vg)))
        return "empty"
    # vigie's own collectors (energy, probes, exec programs) time and
    # report themselves beside node_exporter's
    vg = [s for s in vg if not (dict(s).get("__name__", "").startswith("node_scrape_collector_")
                                and dict(s).get("collector") in VIGIE_COLLECTORS)]
    if ne == vg:
        return None
    return "panel %s: node_exporter %d series, vigie %d; only in node_exporter %s; only in vigie %s" % (
        expr, len(ne), len(vg), sorted(set(ne) - set(vg))[:3], sorted(set(vg) - set(ne))[:3])


def check_recorded(api, name, at):
    ne, vg = series(query(api, '%s{job="node_exporter"}' % name, at)), series(query(api, '%s{job="vigie"}' % name, at))
    if not ne and not vg:
        return "empty"  # a machine without such a disk or interface
    return None if ne == vg else "recorded %s: node_exporter %s, vigie %s" % (name, ne, vg)


def alerts_of(api, job, at):
    return sorted(s for s in series(query(api, 'ALERTS{job="%s"}' % job, at)) if dict(s)["alertname"] not in TRENDS)


def check_alerts(api, _, at):
    ne, vg = alerts_of(api, "node_exporter", at), alerts_of(api, "vigie", at)
    return None if ne == vg else "alerts pending or firing: node_exporter %s, vigie %s" % (ne, vg)


def main(api):
    checks = [(check_panel, e) for e in PANELS] + [(check_recorded, n) for n in RECORDED] + [(check_alerts, None)]
    at = time.time()
    results = {i: f(api, arg, at) for i, (f, arg) in enumerate(checks)}
    empty = [checks[i][1] for i, r in results.items() if r == "empty"]
    # A mount, an interface or a process state that comes or goes between
    # the two agents' scrapes (both within the same second) differs at
    # that instant only: what differs is asked again at two later ones,
    # and only what differs at all three fails.
    for _ in range(2):
        failing = [i for i, r in results.items() if r not in (None, "empty")]
        if not failing:
            break
        time.sleep(2)
        at = time.time()
        for i in failing:
            f, arg = checks[i]
            results[i] = f(api, arg, at)
    errors = [r for r in results.values() if r not in (None, "empty")]
    print("no data under node_exporter on this machine: " + "; ".join(empty))
    print("%d panel queries with data under node_exporter, %d of them with other series under vigie"
          % (len(PANELS) - sum(checks[i][0] == check_panel and r == "empty" for i, r in results.items()),
             sum(e.startswith("panel ") for e in errors)))
    print("alerts pending or firing for both (trends aside): %s" %
          (", ".join("%s%s" % (dict(a)["alertname"], {k: v for k, v in a if k not in ("__name__", "alertname")})
                     for a in alerts_of(api, "node_exporter", at)) or "none"))
    for e in errors:
        print("MISMATCH " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
