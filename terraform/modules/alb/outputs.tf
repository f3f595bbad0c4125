output "dns_name" {
  description = "DNS name of the load balancer (point the public hostname's alias here)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone id of the load balancer, for Route 53 alias records."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "target_group_arn" {
  description = "Target group of the web service."
  value       = aws_lb_target_group.web.arn
}

output "arn_suffix" {
  description = "Load balancer ARN suffix, for CloudWatch dimensions."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "Target group ARN suffix, for CloudWatch dimensions."
  value       = aws_lb_target_group.web.arn_suffix
}

output "request_count_resource_label" {
  description = "Resource label for ALBRequestCountPerTarget scaling."
  value       = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.web.arn_suffix}"
}
