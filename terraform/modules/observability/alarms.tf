# Each alarm's meaning and response is written up in docs/operations.md under
# "Alarms"; keep the two in step.

resource "aws_cloudwatch_metric_alarm" "alb_5xx_rate" {
  alarm_name          = "${var.name}-alb-5xx-rate"
  alarm_description   = "More than ${var.alb_5xx_rate_percent}% of requests answered 5xx (ALB or targets). Runbook: docs/operations.md#alb-5xx-rate"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alb_5xx_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / IF(requests > 0, requests, 1)"
    label       = "5xx percent"
    return_data = true
  }

  metric_query {
    id = "target5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      period      = 60
      stat        = "Sum"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
  }

  metric_query {
    id = "elb5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      period      = 60
      stat        = "Sum"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      period      = 60
      stat        = "Sum"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_age" {
  for_each            = var.queue_age_thresholds_seconds
  alarm_name          = "${var.name}-queue-age-${each.key}"
  alarm_description   = "Oldest job waiting in the ${each.key} queue is older than ${each.value}s. Runbook: docs/operations.md#queue-age"
  namespace           = "Burrow"
  metric_name         = "OldestJobAgeSeconds"
  dimensions          = { Queue = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "stripe_event_age" {
  alarm_name          = "${var.name}-stripe-unprocessed-event-age"
  alarm_description   = "A verified Stripe webhook event has waited more than ${var.stripe_event_age_threshold_seconds}s to be processed. Runbook: docs/operations.md#stripe-event-age"
  namespace           = "Burrow"
  metric_name         = "OldestUnprocessedStripeEventSeconds"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.stripe_event_age_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# Missing data counts as breaching: if nobody publishes heartbeats, nobody is
# working the queue.
resource "aws_cloudwatch_metric_alarm" "worker_heartbeat" {
  for_each            = var.queue_age_thresholds_seconds
  alarm_name          = "${var.name}-worker-heartbeat-${each.key}"
  alarm_description   = "No worker serving the ${each.key} queue has sent a heartbeat for ${var.worker_heartbeat_threshold_seconds}s. Runbook: docs/operations.md#worker-heartbeat"
  namespace           = "Burrow"
  metric_name         = "WorkerHeartbeatAgeSeconds"
  dimensions          = { Queue = each.key }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.worker_heartbeat_threshold_seconds
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  alarm_name          = "${var.name}-rds-cpu"
  alarm_description   = "RDS CPU above ${var.db_cpu_percent}% for 15 minutes. Runbook: docs/operations.md#rds-cpu"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = var.db_instance_id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.db_cpu_percent
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "db_storage" {
  alarm_name          = "${var.name}-rds-free-storage"
  alarm_description   = "RDS free storage below ${var.db_free_storage_bytes} bytes. Runbook: docs/operations.md#rds-free-storage"
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = var.db_instance_id }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = var.db_free_storage_bytes
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# Host metrics are per node (<group>-001, -002, ...); the primary moves on
# failover, so every node gets an alarm.
resource "aws_cloudwatch_metric_alarm" "redis_memory" {
  count               = var.redis_node_count
  alarm_name          = "${var.name}-redis-memory-${format("%03d", count.index + 1)}"
  alarm_description   = "Redis memory above ${var.redis_memory_percent}%; at 100% writes (capture enqueues) are refused. Runbook: docs/operations.md#redis-memory"
  namespace           = "AWS/ElastiCache"
  metric_name         = "DatabaseMemoryUsagePercentage"
  dimensions          = { CacheClusterId = format("%s-%03d", var.redis_replication_group_id, count.index + 1) }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.redis_memory_percent
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
